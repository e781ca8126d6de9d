"""Scenario files: parsing, located errors, expectations, and the JSON form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sla_policies import h, policy, target, z

from sladesk.errors import ScenarioError
from sladesk.sla import (
    Author,
    EventKind,
    TicketFacts,
    check_expectations,
    evaluate,
    evaluation_to_json,
    format_duration,
    load_scenario,
)

TEXT = """\
ticket: {type: incident, priority: high, plan: pro, addons: [vip], channel: email,
         organization: acme, tags: [a], attributes: {integration: vendor_built}}
events:
  - {at: "2026-03-09T09:00:00-03:00", type: created}
  - {at: "2026-03-09T12:30:00Z", type: message, author: agent, public: true}
  - {at: "2026-03-09T13:00:00Z", type: message, author: customer}
  - {at: "2026-03-09T13:10:00Z", type: type, ticket_type: question}
  - {at: "2026-03-09T13:20:00Z", type: status, status: on_hold, reason: partner_outage}
now: "2026-03-09T15:00:00Z"
expect:
  first_response: {state: met, fulfilled_at: "2026-03-09T09:30:00-03:00", used: 30m, left: 1800}
  next_response: {state: paused, used: 20m, cycles: 1}
"""
POL = policy(
    target("first_response", "1h"),
    target("next_response", "2h", pause_on=["on_hold:partner_outage"]),
)


def test_a_scenario_reads_every_field() -> None:
    sc = load_scenario(TEXT, "s.yaml")
    assert sc.ticket == TicketFacts(
        "incident",
        "high",
        "pro",
        frozenset({"vip"}),
        "email",
        "acme",
        frozenset({"a"}),
        {"integration": "vendor_built"},
    )
    assert [e.kind for e in sc.events] == ["created", "message", "message", "type", "status"]
    assert sc.events[0].at == z("2026-03-09T12:00Z")
    assert sc.events[2].author is Author.CUSTOMER
    assert sc.events[3].type == "question"
    assert (sc.events[4].status, sc.events[4].reason) == ("on_hold", "partner_outage")
    assert sc.events[4].kind is EventKind.STATUS
    assert sc.now == z("2026-03-09T15:00Z")
    assert sc.expect["first_response"]["used"] == timedelta(minutes=30)
    assert sc.expect["first_response"]["left"] == timedelta(seconds=1800)
    assert check_expectations(evaluate(POL, sc.ticket, sc.events, sc.now), sc.expect) == []


def test_mismatches_are_reported_one_per_line() -> None:
    sc = load_scenario(
        TEXT.replace("used: 30m, left: 1800", "used: 3h30m, left: -30m").replace(
            "cycles: 1", "cycles: 2"
        )
        + "  periodic_update: {state: running}\n"
    )
    mismatches = check_expectations(evaluate(POL, sc.ticket, sc.events, sc.now), sc.expect)
    assert mismatches == [
        "first_response.used: expected 3h30m, got 30m",
        "first_response.left: expected -30m, got 30m",
        "next_response.cycles: expected 2 cycle(s), got 1",
        "periodic_update: expected a target, got none",
    ]


def test_sla_none() -> None:
    # The type changes to feature_request (outside the SLA) at 13:10Z.
    text = TEXT.split("expect:")[0].replace("question", "feature_request")
    sc = load_scenario(text + "expect: {sla: none}\n")
    assert check_expectations(evaluate(POL, sc.ticket, sc.events, sc.now), sc.expect) == []
    sc = load_scenario(TEXT.split("expect:")[0] + "expect: {sla: none}\n")
    assert check_expectations(evaluate(POL, sc.ticket, sc.events, sc.now), sc.expect) == [
        "sla: expected no SLA, got rule all with targets first_response, next_response"
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"2026-03-09T12:30:00Z"',
            '"2026-03-09T12:30:00"',
            "s.yaml:5:10: events[1].at: instant '2026-03-09T12:30:00' needs a UTC offset",
        ),
        (
            "type: created",
            "type: opened",
            "s.yaml:4:45: events[0].type: unknown event type 'opened'",
        ),
        ("author: customer", "author: bot", "s.yaml:6:57: events[2].author: unknown author"),
        ("ticket_type: question", "kind: question", "s.yaml:7:52: events[3].kind: unknown field"),
        ("status: on_hold, ", "", "s.yaml:8:5: events[4]: a status event needs field 'status'"),
        ("used: 30m", "used: soon", "s.yaml:11:81: expect.first_response.used: expected a"),
        ("state: met", "state: ok", "s.yaml:11:27: expect.first_response.state: unknown state"),
        ('now: "2026-03-09T15:00:00Z"\n', "", "s.yaml:1:1: missing field 'now'"),
        ("events:\n", "x:\n", "s.yaml:4:3: x: unknown field 'x'"),
        ("- {at", "- {at: [", "s.yaml:4:"),
    ],
)
def test_errors_name_file_line_column_and_field(old: str, new: str, message: str) -> None:
    assert old in TEXT
    with pytest.raises(ScenarioError) as caught:
        load_scenario(TEXT.replace(old, new, 1), "s.yaml")
    assert str(caught.value).startswith(message)


def test_events_must_be_a_list() -> None:
    text = 'ticket: {type: a, priority: b}\nevents: {}\nnow: "2026-01-01T00:00:00Z"\n'
    with pytest.raises(ScenarioError, match=r"^s.yaml:2:9: events: expected a list"):
        load_scenario(text, "s.yaml")


def test_evaluation_to_json() -> None:
    sc = load_scenario(TEXT)
    out = evaluation_to_json(evaluate(POL, sc.ticket, sc.events, sc.now))
    assert (out["policy"], out["version"], out["rule"]) == ("test", "1", "all")
    fr = out["targets"][0]
    assert {k: fr[k] for k in list(fr)[:1]} == {"metric": "first_response"}
    assert fr["calendar"] == "ba"
    assert fr["target_seconds"] == 3600
    assert fr["state"] == "met"
    assert fr["started_at"] == "2026-03-09T12:00:00Z"
    assert fr["due_at"] == "2026-03-09T13:00:00Z"
    assert fr["fulfilled_at"] == "2026-03-09T12:30:00Z"
    assert fr["breached_at"] is None
    assert (fr["used_seconds"], fr["left_seconds"]) == (1800, 1800)
    nr = out["targets"][1]
    assert nr["cycles"] == [
        {
            "started_at": "2026-03-09T13:00:00Z",
            "due_at": None,
            "fulfilled_at": None,
            "breached_at": None,
            "state": "paused",
        }
    ]


def test_format_duration() -> None:
    assert format_duration(h(3.5)) == "3h30m"
    assert format_duration(-timedelta(minutes=30)) == "-30m"
    assert format_duration(timedelta(0)) == "0s"
    assert format_duration(timedelta(seconds=1.5)) == "1.5s"
    assert format_duration(h(72) + timedelta(minutes=40)) == "72h40m"
