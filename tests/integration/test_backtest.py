"""Back-testing a draft policy on stored tickets (`services.backtest_policy`,
`services.replay_ticket`) on a real SQLite file and a real PostgreSQL.

The desk's policy (desk_fixtures.POLICY) answers urgent tickets within 1 business hour and
normal ones within 8; the drafts below tighten or loosen that, and the expected flips are
worked out by hand from the replies' times (Lisbon business hours, Monday 10:00 start)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_fixtures import POLICY, Desk

from sladesk import services
from sladesk.errors import PolicyError
from sladesk.services import NewTicket
from sladesk.tickets import Forbidden, InvalidRequest

TIGHT_URGENT = POLICY.replace("durations: {urgent: 1h, high: 4h, normal: 8h}",
                              "durations: {urgent: 15m, high: 4h, normal: 8h}")  # fmt: skip
LONGER_NORMAL = POLICY.replace("durations: {urgent: 4h, high: 2bd, normal: 5bd}",
                               "durations: {urgent: 4h, high: 2bd, normal: 6bd}")  # fmt: skip


def _file(desk: Desk, subject: str, priority: str, reply_after: timedelta | None) -> int:
    """A ticket filed by Bob (Globex, premium) now, answered by the agent ``reply_after``
    later (the clock moves on and comes back)."""
    start = desk.clock.now()
    view = services.create_ticket(
        desk.uow, desk.clock, desk.bob,
        NewTicket(subject, "It broke", type="incident", priority=priority),
    )  # fmt: skip
    if reply_after is not None:
        desk.clock.set(start + reply_after)
        services.reply_publicly(desk.uow, desk.clock, desk.agent, view.id, "On it")
        desk.clock.set(start)
    return view.id


@pytest.fixture
def tickets(desk: Desk) -> dict[str, int]:
    ids = {
        "urgent_30m": _file(desk, "Urgent, answered in 30 min", "urgent", timedelta(minutes=30)),
        "urgent_10m": _file(desk, "Urgent, answered in 10 min", "urgent", timedelta(minutes=10)),
        "normal_2h": _file(desk, "Normal, answered in 2 hours", "normal", timedelta(hours=2)),
    }  # fmt: skip
    desk.clock.advance(timedelta(hours=3))  # every reply is in the past
    return ids


def _group(report: services.BacktestReport, metric: str, **group: str) -> services.BacktestGroup:
    (found,) = [g for g in report.groups if g.metric == metric and g.group == group]
    return found


def test_the_policy_in_force_as_a_draft_changes_nothing(
    desk: Desk, tickets: dict[str, int]
) -> None:
    report = services.backtest_policy(desk.uow, desk.clock, desk.lead, POLICY)
    assert report.tickets == 3 and report.skipped == {}
    assert report.flipped == () and report.shifted == ()
    assert report.flipped_total == report.shifted_total == 0
    for g in report.groups:
        assert g.current == g.draft and g.added == g.removed == 0
    first = _group(report, "first_response")
    assert first.current.counts["met"] == 3 and first.current.compliance == 1.0
    assert [(v.name, v.tickets) for v in report.versions] == [("test-support", 3)]


def test_a_tighter_urgent_target_flips_exactly_the_late_answer(
    desk: Desk, tickets: dict[str, int]
) -> None:
    report = services.backtest_policy(desk.uow, desk.clock, desk.lead, TIGHT_URGENT,
                                      by=("priority",))  # fmt: skip
    assert report.tickets == 3
    assert [(c.ticket_id, c.metric, c.current_state, c.draft_state) for c in report.flipped] == [
        (tickets["urgent_30m"], "first_response", "met", "breached")
    ]
    flip = report.flipped[0]
    assert flip.shift == timedelta(minutes=-45)  # due 1h after filing -> 15 minutes after
    urgent = _group(report, "first_response", priority="urgent")
    assert (urgent.current.counts["met"], urgent.current.counts["breached"]) == (2, 0)
    assert (urgent.draft.counts["met"], urgent.draft.counts["breached"]) == (1, 1)
    assert urgent.current.compliance == 1.0 and urgent.draft.compliance == 0.5
    assert urgent.flipped == 1
    normal = _group(report, "first_response", priority="normal")
    assert normal.current == normal.draft and normal.flipped == 0


def test_a_deadline_moved_beyond_the_threshold_is_listed_as_a_shift(
    desk: Desk, tickets: dict[str, int]
) -> None:
    report = services.backtest_policy(desk.uow, desk.clock, desk.lead, LONGER_NORMAL)
    assert report.flipped == ()
    assert [(c.ticket_id, c.metric, c.current_state) for c in report.shifted] == [
        (tickets["normal_2h"], "resolution", "running")
    ]
    # 5 -> 6 business days: one more 9-hour Lisbon working day, Monday 10:00 start
    assert report.shifted[0].shift == timedelta(days=1)
    wide = services.backtest_policy(desk.uow, desk.clock, desk.lead, LONGER_NORMAL,
                                    threshold=timedelta(days=2))  # fmt: skip
    assert wide.shifted == () and wide.shifted_total == 0


def test_the_period_limits_which_tickets_are_replayed(desk: Desk, tickets: dict[str, int]) -> None:
    later = desk.clock.now()
    assert (
        services.backtest_policy(desk.uow, desk.clock, desk.lead, POLICY, since=later).tickets == 0
    )
    before = services.backtest_policy(desk.uow, desk.clock, desk.lead, POLICY, until=later)
    assert before.tickets == 3
    with pytest.raises(InvalidRequest, match="end after it starts"):
        services.backtest_policy(desk.uow, desk.clock, desk.lead, POLICY, since=later, until=later)


def test_small_pages_and_a_full_replay_give_the_same_answer(
    desk: Desk, tickets: dict[str, int]
) -> None:
    whole = services.backtest_policy(desk.uow, desk.clock, desk.lead, TIGHT_URGENT)
    replayed = services.backtest_policy(desk.uow, desk.clock, desk.lead, TIGHT_URGENT,
                                        reevaluate=True)  # fmt: skip
    assert replayed == whole
    seen: list[tuple[int, int]] = []
    paged = services.backtest_policy(
        desk.uow, desk.clock, desk.lead, TIGHT_URGENT, batch=1,
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert paged == whole
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_who_may_back_test_and_bad_input(desk: Desk, tickets: dict[str, int]) -> None:
    for who in (desk.bob, desk.agent):
        with pytest.raises(Forbidden):
            services.backtest_policy(desk.uow, desk.clock, who, POLICY)
    with pytest.raises(InvalidRequest, match="cannot group by colour"):
        services.backtest_policy(desk.uow, desk.clock, desk.lead, POLICY, by=("colour",))
    broken = POLICY.replace("default_priority: normal", "default_priority: whenever")
    with pytest.raises(PolicyError) as raised:
        services.backtest_policy(desk.uow, desk.clock, desk.lead, broken, source="draft.yaml")
    assert "draft.yaml" in str(raised.value) and "default_priority" in str(raised.value)


def test_a_flipped_ticket_is_explained_under_the_draft(desk: Desk, tickets: dict[str, int]) -> None:
    ticket_id = tickets["urgent_30m"]
    now = services.replay_ticket(desk.uow, desk.clock, desk.agent, ticket_id)
    draft = services.replay_ticket(desk.uow, desk.clock, desk.agent, ticket_id, TIGHT_URGENT)
    assert now.evaluation is not None and draft.evaluation is not None
    first_now = next(t for t in now.evaluation.targets if t.metric == "first_response")
    first_draft = next(t for t in draft.evaluation.targets if t.metric == "first_response")
    assert (first_now.state, first_draft.state) == ("met", "breached")
    assert first_draft.timeline  # explained: the running stretch and where the deadline fell
    assert first_draft.due_at is not None and first_now.due_at is not None
    assert first_now.due_at - first_draft.due_at == timedelta(minutes=45)
    with pytest.raises(Forbidden):
        services.replay_ticket(desk.uow, desk.clock, desk.bob, ticket_id)
