"""The compliance report (services/_reports.py) on SQLite and PostgreSQL, with figures checked
by hand: a DST week in Lisbon, organisation x priority, percentiles as ``percentile_cont``
gives them, goals of a ``binding: false`` policy, the drill-down, and a contact's scope.

The desk's policy (desk_fixtures.POLICY): ``support`` is Europe/Lisbon, Mon-Fri 09:00-18:00;
first response urgent 1h, high 4h; resolution urgent 4h, high 2bd. Lisbon moves from WET
(UTC+0) to WEST (UTC+1) on Sunday 2025-03-30 at 01:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from desk_fixtures import POLICY, Desk

from sladesk import services as s
from sladesk.services import Actor, NewTicket


def _at(desk: Desk, when: str) -> None:
    desk.clock.set(datetime.fromisoformat(when).replace(tzinfo=UTC))


def _file(desk: Desk, who: Actor, priority: str, when: str) -> int:
    _at(desk, when)
    new = NewTicket(subject="Down", body="It is down.", type="incident", priority=priority)
    return s.create_ticket(desk.uow, desk.clock, who, new).id


def _reply(desk: Desk, ticket_id: int, when: str) -> None:
    _at(desk, when)
    s.reply_publicly(desk.uow, desk.clock, desk.agent, ticket_id, "On it.")


@pytest.fixture
def dst_desk(desk: Desk) -> dict[str, int]:
    """Four tickets around Lisbon's DST change (times UTC; local = UTC until 03-30 01:00):

    - A acme urgent, Mon 03-24 10:00, answered 10:30: first response met, 1800 s used
    - B acme urgent, Mon 03-24 11:00, answered 13:00: breached (due 12:00), 7200 s used
    - C globex high, Sun 03-30 00:30 (00:30 WET, week of 03-24), never answered: due Mon
      03-31 12:00 UTC (09:00 WEST + 4h), overdue at the report's now -> breached
    - D globex high, Sun 03-30 23:30 UTC = Mon 03-31 00:30 WEST (week of 03-31), answered
      Mon 09:00 UTC (10:00 WEST, one business hour after opening): met, 3600 s used

    The report is read at Mon 03-31 13:00 UTC: the urgent resolutions (4h) of A and B are
    overdue (breached), C's and D's (2bd) are running."""
    ids = {
        "A": _file(desk, desk.alice, "urgent", "2025-03-24T10:00"),
        "B": _file(desk, desk.alice, "urgent", "2025-03-24T11:00"),
    }
    _reply(desk, ids["A"], "2025-03-24T10:30")
    _reply(desk, ids["B"], "2025-03-24T13:00")
    ids["C"] = _file(desk, desk.bob, "high", "2025-03-30T00:30")
    ids["D"] = _file(desk, desk.bob, "high", "2025-03-30T23:30")
    _reply(desk, ids["D"], "2025-03-31T09:00")
    _at(desk, "2025-03-31T13:00")
    return ids


def _fig(group: s.ReportGroup, metric: str, goal: bool = False) -> s.ReportFigures:
    return next(f for f in group.figures if f.metric == metric and f.goal is goal)


def _counts(f: s.ReportFigures) -> tuple[int, int, int, int, int]:
    return (f.with_target, f.met, f.breached, f.running, f.paused)


def test_weeks_are_local_across_the_dst_change(desk: Desk, dst_desk: dict[str, int]) -> None:
    report = s.compliance_report(
        desk.uow, desk.clock, desk.lead, date(2025, 3, 24), date(2025, 4, 6), ["week"]
    )
    assert report.zone == "Europe/Lisbon"  # the support calendar's
    assert [g.key[0].value for g in report.groups] == ["2025-03-24", "2025-03-31"]
    first, second = report.groups
    fr = _fig(first, "first_response")
    assert _counts(fr) == (3, 1, 2, 0, 0)  # A met; B late; C overdue
    assert fr.compliance == pytest.approx(1 / 3)
    # A 1800 s and B 7200 s fulfilled: median 4500, p90 1800 + 0.9 * 5400
    assert (fr.fulfilled, fr.median_seconds, fr.p90_seconds) == (2, 4500.0, 6660.0)
    res = _fig(first, "resolution")
    assert _counts(res) == (3, 0, 2, 1, 0) and res.median_seconds is None
    fr2 = _fig(second, "first_response")
    assert _counts(fr2) == (1, 1, 0, 0, 0) and fr2.compliance == 1.0
    assert (fr2.median_seconds, fr2.p90_seconds) == (3600.0, 3600.0)
    # in UTC, D (Sunday 23:30 UTC) falls in the first week
    utc = s.compliance_report(desk.uow, desk.clock, desk.lead, date(2025, 3, 24),
                              date(2025, 4, 6), ["week"], zone="UTC")  # fmt: skip
    assert [g.key[0].value for g in utc.groups] == ["2025-03-24"]
    assert _fig(utc.groups[0], "first_response").with_target == 4


def test_days_across_the_dst_change(desk: Desk, dst_desk: dict[str, int]) -> None:
    report = s.compliance_report(
        desk.uow, desk.clock, desk.lead, date(2025, 3, 29), date(2025, 3, 31), ["day"]
    )
    assert [(g.key[0].value, _fig(g, "first_response").with_target) for g in report.groups] == [
        ("2025-03-30", 1),  # C
        ("2025-03-31", 1),  # D, 00:30 WEST
    ]
    # a local-date period: 03-31 is [03-30 23:00 UTC, 03-31 23:00 UTC)
    assert report.start == datetime(2025, 3, 29, 0, 0, tzinfo=UTC)
    assert report.end == datetime(2025, 3, 31, 23, 0, tzinfo=UTC)


def test_by_organisation_and_priority(desk: Desk, dst_desk: dict[str, int]) -> None:
    report = s.compliance_report(desk.uow, desk.clock, desk.agent, date(2025, 3, 1),
                                 date(2025, 3, 31), "organisation,priority")  # fmt: skip
    assert [g.label for g in report.groups] == ["Acme / urgent", "Globex / high"]
    acme, globex = report.groups
    assert acme.key[0].value == str(desk.acme)
    assert _counts(_fig(acme, "first_response")) == (2, 1, 1, 0, 0)
    assert _fig(acme, "first_response").median_seconds == 4500.0
    g = _fig(globex, "first_response")
    assert _counts(g) == (2, 1, 1, 0, 0) and g.median_seconds == 3600.0
    totals = {f.metric: _counts(f) for f in report.totals}
    assert totals == {"first_response": (4, 2, 2, 0, 0), "resolution": (4, 0, 2, 2, 0)}


def test_drill_down_gives_the_tickets_behind_a_figure(desk: Desk, dst_desk: dict[str, int]) -> None:
    report = s.compliance_report(
        desk.uow, desk.clock, desk.lead, date(2025, 3, 24), date(2025, 4, 6), ["week"]
    )
    first = report.groups[0]
    params = report.drill(first, _fig(first, "first_response"), "breached")
    assert params["week"] == "2025-03-24" and params["outcome"] == "breached"
    found = s.report_tickets(
        desk.uow, desk.clock, desk.lead, date(2025, 3, 24), date(2025, 4, 6),
        {"week": "2025-03-24"}, metric="first_response", outcome="breached",
    )  # fmt: skip
    assert found.total == 2
    assert {t.id for t in found.tickets} == {dst_desk["B"], dst_desk["C"]}
    assert {t.state for t in found.tickets} == {"breached"}
    met = s.report_tickets(
        desk.uow, desk.clock, desk.lead, date(2025, 3, 1), date(2025, 4, 6),
        {"organisation": str(desk.globex), "priority": "high"},
        metric="first_response", outcome="met",
    )  # fmt: skip
    assert [t.id for t in met.tickets] == [dst_desk["D"]]


def test_a_contact_sees_only_their_organisation(desk: Desk, dst_desk: dict[str, int]) -> None:
    report = s.compliance_report(
        desk.uow, desk.clock, desk.bob, date(2025, 3, 1), date(2025, 4, 6), ["organisation"]
    )
    assert [g.label for g in report.groups] == ["Globex"]
    assert report.organization_id == desk.globex
    other = s.report_tickets(
        desk.uow, desk.clock, desk.bob, date(2025, 3, 1), date(2025, 4, 6),
        {"organisation": str(desk.acme)}, metric=None, outcome="with_target",
    )  # fmt: skip
    assert other.total == 0


def test_non_binding_targets_are_reported_as_goals(desk: Desk) -> None:
    a = _file(desk, desk.alice, "urgent", "2025-03-24T10:00")
    _reply(desk, a, "2025-03-24T10:30")
    _at(desk, "2025-03-24T10:40")
    s.solve_ticket(desk.uow, desk.clock, desk.agent, a)  # solved: stays on version 1
    s.publish_policy(desk.uow, desk.clock, desk.admin, "binding: false\n" + POLICY)
    e = _file(desk, desk.alice, "urgent", "2025-03-24T11:00")
    _reply(desk, e, "2025-03-24T12:30")  # 1h30: the goal of 1h is missed
    _at(desk, "2025-03-25T09:00")
    report = s.compliance_report(desk.uow, desk.clock, desk.lead, date(2025, 3, 24),
                                 date(2025, 3, 24), ["organisation"])  # fmt: skip
    (acme,) = report.groups
    target, goal = _fig(acme, "first_response"), _fig(acme, "first_response", goal=True)
    assert _counts(target) == (1, 1, 0, 0, 0) and target.median_seconds == 1800.0
    assert _counts(goal) == (1, 0, 1, 0, 0) and goal.median_seconds == 5400.0
    assert report.goals
    found = s.report_tickets(desk.uow, desk.clock, desk.lead, date(2025, 3, 24),
                             date(2025, 3, 24), {}, metric="first_response",
                             outcome="breached", goal=True)  # fmt: skip
    assert [t.id for t in found.tickets] == [e]


@pytest.mark.parametrize(
    ("by", "field"),
    [("organisation,colour", "by"), ("day,week", "by"), ("priority,priority", "by")],
)
def test_bad_groupings_say_what_is_wrong(desk: Desk, by: str, field: str) -> None:
    with pytest.raises(s.InvalidRequest) as e:
        s.compliance_report(desk.uow, desk.clock, desk.lead, date(2025, 3, 1),
                            date(2025, 3, 2), by)  # fmt: skip
    assert e.value.field == field


def test_bad_periods_say_what_is_wrong(desk: Desk) -> None:
    with pytest.raises(s.InvalidRequest, match="end after it starts"):
        s.compliance_report(desk.uow, desk.clock, desk.lead, date(2025, 3, 2), date(2025, 3, 1))
    with pytest.raises(s.InvalidRequest, match="time zone"):
        s.compliance_report(desk.uow, desk.clock, desk.lead, date(2025, 3, 1),
                            date(2025, 3, 2), zone="Mars/Olympus")  # fmt: skip
    with pytest.raises(s.InvalidRequest) as e:
        s.parse_report_bound("2025-13-01", "from")
    assert e.value.field == "from"
    with pytest.raises(s.InvalidRequest, match="offset"):
        s.parse_report_bound("2025-03-01T10:00", "to")


def test_offset_spans_pin_the_change_to_the_second() -> None:
    from zoneinfo import ZoneInfo

    spans = s.offset_spans(
        ZoneInfo("Europe/Lisbon"),
        datetime(2025, 3, 1, tzinfo=UTC),
        datetime(2025, 11, 1, tzinfo=UTC),
    )
    assert spans == [
        (datetime(2025, 3, 30, 1, 0, tzinfo=UTC), 0),
        (datetime(2025, 10, 26, 1, 0, tzinfo=UTC), 3600),
        (None, 0),
    ]
