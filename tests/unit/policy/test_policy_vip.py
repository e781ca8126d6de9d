"""The ``routing:`` and ``calls:`` sections (LiveAgent VIP's dedicated agent): what they read
as, and each problem at its line and column."""

from __future__ import annotations

from datetime import timedelta

from policy_texts import BASE, at, edit, problems

from sladesk.policy import load_policy

ROUTING = """\
routing:
  - name: seniors
    when: {addon: vip, priority: [urgent]}
    to: team:tier2
  - name: dedicated
    when: {addon: vip}
    to: dedicated_agent
    backup: backup_agent
    on: [created]
calls:
  addon: vip
  calendar: office
  length: 45m
  review_every_months: 3
rules:
"""


def _with(section: str = ROUTING) -> str:
    return edit("rules:\n", section, BASE)


def test_routing_and_calls_read_as_written() -> None:
    policy = load_policy(_with())
    seniors, dedicated = policy.routing
    assert (seniors.name, seniors.to, seniors.backup) == ("seniors", "team:tier2", None)
    assert seniors.on == frozenset({"created", "escalated"})  # the default
    assert seniors.when.priorities == frozenset({"urgent"})
    assert (dedicated.to, dedicated.backup, dedicated.on) == (
        "dedicated_agent",
        "backup_agent",
        frozenset({"created"}),
    )
    calls = policy.calls
    assert calls is not None and calls.calendar == "office" and calls.addons == {"vip"}
    assert calls.length == timedelta(minutes=45) and calls.notice == timedelta(hours=2)
    assert calls.review_every_months == 3 and calls.horizon_days == 14


def test_without_the_sections_nothing_is_routed_or_booked() -> None:
    policy = load_policy(BASE)
    assert policy.routing == () and policy.calls is None


def test_each_problem_is_named_where_it_is() -> None:
    text = _with(
        ROUTING.replace("to: team:tier2", "to: tier2")
        .replace("backup: backup_agent", "backup: the_deputy")
        .replace("on: [created]", "on: [filed]")
        .replace("calendar: office", "calendar: ofice")
        .replace("length: 45m", "length: 2bd")
    )
    assert problems(text) == [
        f"p.yaml:{at(text, 'tier2')}: routing[0].to: cannot route to 'tier2' (use "
        "dedicated_agent, agent:<email> or team:<team>)",
        f"p.yaml:{at(text, 'the_deputy')}: routing[1].backup: cannot route to 'the_deputy' "
        "(use backup_agent, agent:<email> or team:<team>)",
        f"p.yaml:{at(text, 'filed')}: routing[1].on[0]: unknown trigger 'filed' (known: "
        "created, escalated)",
        f"p.yaml:{at(text, 'ofice')}: calls.calendar: unknown calendar 'ofice'; did you mean "
        "'office'? (known: office, always)",
        f"p.yaml:{at(text, '2bd')}: calls.length: expected a length of time such as 30m or 1h, "
        "got '2bd' (not business days)",
    ]


def test_a_team_needs_no_backup() -> None:
    text = _with(ROUTING.replace("to: team:tier2", "to: team:tier2\n    backup: backup_agent"))
    assert problems(text) == [
        f"p.yaml:{at(text, 'backup_agent')}: routing[0].backup: a team is never away: a backup "
        "needs `to` to be an agent"
    ]


def test_the_dedicated_agents_addons_are_those_of_calls_and_of_routing_to_that_agent() -> None:
    assert load_policy(_with()).dedicated_agent_addons() == frozenset({"vip"})
    only_routing = ROUTING.split("calls:")[0] + "rules:\n"
    assert load_policy(_with(only_routing)).dedicated_agent_addons() == frozenset({"vip"})
    to_a_team = "routing:\n  - {name: t, when: {addon: vip}, to: 'team:tier2'}\nrules:\n"
    assert load_policy(_with(to_a_team)).dedicated_agent_addons() == frozenset()
    assert load_policy(BASE).dedicated_agent_addons() == frozenset()  # no VIP direct line
