"""Every ticket use case on SQLite and PostgreSQL: events, projections, outbox, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_fixtures import POLICY, Desk
from sqlalchemy import func, select

from sladesk import services as s
from sladesk.jobs.sweep import sweep_due
from sladesk.services import NewTicket, TicketRuleError
from sladesk.sla import TargetState
from sladesk.store._repo_idempotency import IdempotencyRepository
from sladesk.store._tables import OutboxMessage, SlaMilestone, Ticket, TicketEvent


def _count(desk: Desk, table: type) -> int:
    with desk.uow.read_only():
        return int(desk.uow.session.execute(select(func.count()).select_from(table)).scalar_one())


def _new(desk: Desk, **kw: object) -> s.TicketView:
    args: dict[str, object] = {"subject": "Printer on fire", "body": "It is on fire.",
                               "type": "incident", "priority": "high"}  # fmt: skip
    args.update(kw)
    return s.create_ticket(desk.uow, desk.clock, desk.bob, NewTicket(**args))  # type: ignore[arg-type]


def test_create_stores_ticket_events_projection_outbox_and_audit(desk: Desk) -> None:
    t = _new(desk)
    assert t.number >= 1 and t.status == "new" and t.organization_id == desk.globex
    assert t.sla is not None and t.sla.rule == "support"
    fr = next(x for x in t.sla.targets if x.metric == "first_response")
    assert fr.state is TargetState.RUNNING
    assert fr.due_at == desk.clock.now() + timedelta(hours=4)  # inside business hours
    with desk.uow.read_only():
        row = desk.uow.tickets.get(desk.admin.scope, t.id)
        assert row.next_sla_event_at is not None and row.sla_state == "running"
        (webhook,) = [m for m in desk.uow.outbox.all("webhook") if m.key.endswith(f":{t.id}:1")]
        assert webhook.payload["endpoint"] == "default"
        assert webhook.payload["body"]["event"] == "ticket.created"
        assert webhook.payload["body"]["ticket"]["reference"] == f"#{t.number}"
        assert desk.uow.audit.all("sladesk.ticket.created")
        assert [p.metric for p in desk.uow.projections.for_ticket(t.id)] == [
            "first_response", "resolution"
        ]  # fmt: skip


def test_the_whole_life_of_a_ticket(desk: Desk) -> None:
    u, c, agent = desk.uow, desk.clock, desk.agent
    t = _new(desk)
    c.advance(timedelta(minutes=5))
    t = s.accept_ticket(u, c, agent, t.id)
    assert t.status == "open"
    t = s.assign_ticket(u, c, agent, t.id, assignee_id=agent.id, team="tier1")
    assert t.assignee_id == agent.id and t.team == "tier1"
    t = s.add_internal_note(u, c, agent, t.id, "customer is grumpy")
    c.advance(timedelta(minutes=10))
    t = s.reply_publicly(u, c, agent, t.id, "We are on it.")
    assert t.sla is not None
    fr = next(x for x in t.sla.targets if x.metric == "first_response")
    assert fr.state is TargetState.MET
    t = s.log_call(u, c, agent, t.id, "Agreed to replace the printer by Friday.")
    assert t.messages[-1].kind == "call" and t.messages[-1].call_summary
    t = s.change_priority(u, c, agent, t.id, "urgent", "the whole office is affected")
    assert t.priority == "urgent"
    t = s.change_type(u, c, agent, t.id, "question")
    t = s.change_status(u, c, agent, t.id, "on_hold", "partner_outage")
    assert (t.status, t.status_reason) == ("on_hold", "partner_outage")
    t = s.change_status(u, c, agent, t.id, "open")
    t = s.solve_ticket(u, c, agent, t.id)
    assert t.status == "solved"
    t = s.reply_publicly(u, c, desk.bob, t.id, "Still broken!")  # a customer reply reopens
    assert t.status == "open"
    t = s.solve_ticket(u, c, agent, t.id)
    t = s.reopen_ticket(u, c, desk.bob, t.id, "not fixed")
    assert t.status == "open"
    t = s.close_ticket(u, c, agent, t.id, "cause is in the customer's firewall (log attached)")
    assert t.status == "closed"
    with pytest.raises(TicketRuleError, match="closed is final"):
        s.reopen_ticket(u, c, agent, t.id)
    # the customer never sees the internal note nor internal history
    seen = s.get_ticket(u, c, desk.bob, t.id)
    assert all(m.public for m in seen.messages)
    assert not any(e.kind in ("assigned", "accepted") for e in seen.history)
    assert any(not m.public for m in s.get_ticket(u, c, agent, t.id).messages)
    with u.read_only():
        codes = {a.action for a in u.audit.all()}
    assert {"sladesk.ticket.priority.changed", "sladesk.ticket.closed",
            "sladesk.ticket.note.added", "sladesk.ticket.call.logged"} <= codes  # fmt: skip


def test_rules_refuse_with_clear_messages_and_write_nothing(desk: Desk) -> None:
    u, c = desk.uow, desk.clock
    t = _new(desk)
    before = (_count(desk, TicketEvent), _count(desk, OutboxMessage))
    with pytest.raises(TicketRuleError, match="internal notes"):
        s.add_internal_note(u, c, desk.bob, t.id, "psst")
    with pytest.raises(TicketRuleError, match="written summary") as e:
        s.log_call(u, c, desk.agent, t.id, "   ")
    assert e.value.field == "summary"
    with pytest.raises(TicketRuleError, match="needs a reason"):
        s.change_priority(u, c, desk.agent, t.id, "urgent", "")
    with pytest.raises(s.InvalidRequest):
        s.change_priority(u, c, desk.agent, t.id, "mega", "because")
    with pytest.raises(TicketRuleError, match="on hold needs a reason"):
        s.change_status(u, c, desk.agent, t.id, "on_hold")
    with pytest.raises(s.InvalidRequest):
        s.assign_ticket(u, c, desk.agent, t.id, assignee_id=99999)
    with pytest.raises(s.InvalidRequest):
        s.create_ticket(u, c, desk.bob, NewTicket(subject="x", body="y", type="nonsense"))
    assert (_count(desk, TicketEvent), _count(desk, OutboxMessage)) == before


def test_idempotency_key_returns_the_first_ticket(desk: Desk) -> None:
    new = NewTicket(subject="Once", body="only once", type="incident")
    a = s.create_ticket(desk.uow, desk.clock, desk.bob, new, idempotency_key="k-1")
    b = s.create_ticket(desk.uow, desk.clock, desk.bob, new, idempotency_key="k-1")
    assert a.id == b.id and a.number == b.number
    other = s.create_ticket(desk.uow, desk.clock, desk.agent,
                            NewTicket(subject="Once", body="x", requester_id=desk.bob.id),
                            idempotency_key="k-1")  # fmt: skip
    assert other.id != a.id  # keys are per caller
    with desk.uow.read_only():
        assert _count_tickets(desk) == 2


def test_a_create_that_loses_the_idempotency_race_answers_with_the_winners_ticket(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests with one key, both past the look-up before either committed: the key's
    row is a held insert (``store/_db.py``), so the loser's duplicate key surfaces at its
    commit; it writes nothing and answers with the first ticket."""
    new = NewTicket(subject="Once", body="only once", type="incident")
    first = s.create_ticket(desk.uow, desk.clock, desk.bob, new, idempotency_key="k-race")
    before = (_count(desk, Ticket), _count(desk, TicketEvent), _count(desk, OutboxMessage))
    looked: list[str] = []
    real_find = IdempotencyRepository.find

    def not_yet_committed(
        self: IdempotencyRepository, key: str, actor: str
    ) -> tuple[int, str | None] | None:
        looked.append(key)
        return None if len(looked) == 1 else real_find(self, key, actor)

    monkeypatch.setattr(IdempotencyRepository, "find", not_yet_committed)
    second = s.create_ticket(desk.uow, desk.clock, desk.bob, new, idempotency_key="k-race")
    assert looked == ["k-race", "k-race"]  # the race lost at commit, then the winner found
    assert (second.id, second.number) == (first.id, first.number)
    after = (_count(desk, Ticket), _count(desk, TicketEvent), _count(desk, OutboxMessage))
    assert after == before


def test_an_idempotency_key_reused_with_another_ticket_is_refused(desk: Desk) -> None:
    """The same key with a different request would drop the new content: it is refused on
    ``Idempotency-Key`` and writes nothing; the first request repeated still answers."""
    first = NewTicket(subject="Printer", body="It jams.", type="incident")
    a = s.create_ticket(desk.uow, desk.clock, desk.bob, first, idempotency_key="k-reuse")
    before = (_count(desk, Ticket), _count(desk, TicketEvent), _count(desk, OutboxMessage))
    for changed in (
        NewTicket(subject="Scanner", body="It jams.", type="incident"),
        NewTicket(subject="Printer", body="It jams.", type="incident", tags=("urgent",)),
        NewTicket(subject="Printer", body="It jams.", type="question"),
    ):
        with pytest.raises(s.InvalidRequest) as refused:
            s.create_ticket(desk.uow, desk.clock, desk.bob, changed, idempotency_key="k-reuse")
        assert refused.value.field == "Idempotency-Key"
        assert refused.value.code == "idempotency.key_reused"
    assert (_count(desk, Ticket), _count(desk, TicketEvent), _count(desk, OutboxMessage)) == before
    again = s.create_ticket(desk.uow, desk.clock, desk.bob, first, idempotency_key="k-reuse")
    assert again.id == a.id


def test_a_different_request_that_loses_the_idempotency_race_is_refused(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two different requests under one key, both past the look-up: the loser does not get
    the winner's ticket for its own content; it is refused, and nothing of it is written."""
    first = s.create_ticket(desk.uow, desk.clock, desk.bob,
                            NewTicket(subject="One", body="one", type="incident"),
                            idempotency_key="k-race-2")  # fmt: skip
    before = (_count(desk, Ticket), _count(desk, TicketEvent), _count(desk, OutboxMessage))
    looked: list[str] = []
    real_find = IdempotencyRepository.find

    def not_yet_committed(
        self: IdempotencyRepository, key: str, actor: str
    ) -> tuple[int, str | None] | None:
        looked.append(key)
        return None if len(looked) == 1 else real_find(self, key, actor)

    monkeypatch.setattr(IdempotencyRepository, "find", not_yet_committed)
    with pytest.raises(s.InvalidRequest) as refused:
        s.create_ticket(desk.uow, desk.clock, desk.bob,
                        NewTicket(subject="Two", body="two", type="incident"),
                        idempotency_key="k-race-2")  # fmt: skip
    assert refused.value.field == "Idempotency-Key"
    assert looked == ["k-race-2", "k-race-2"]
    after = (_count(desk, Ticket), _count(desk, TicketEvent), _count(desk, OutboxMessage))
    assert after == before and first.id


def _count_tickets(desk: Desk) -> int:
    return int(desk.uow.session.execute(select(func.count(Ticket.id))).scalar_one())


def test_quota_flags_the_ticket_and_tells_the_requester(desk: Desk) -> None:
    made = [
        s.create_ticket(desk.uow, desk.clock, desk.alice, NewTicket(subject=f"n{i}", body="b"))
        for i in range(3)
    ]
    assert [t.over_quota for t in made] == [False, False, True]
    assert "2 tickets a month" in made[2].messages[-1].body
    with desk.uow.read_only():
        (told,) = [m.payload for m in desk.uow.outbox.all("notify")
                   if m.payload["event"] == "ticket.over_quota"]  # fmt: skip
    assert told["recipient"] == {"kind": "contact", "id": desk.alice.id}
    assert (told["template"], told["locale"], told["time_zone"]) == (
        "ticket.over_quota",
        "en",
        "UTC",
    )
    assert told["ticket"]["reference"] == f"#{made[2].number}"
    flagged = s.list_tickets(desk.uow, desk.clock, desk.agent, s.TicketFilters(over_quota=True))
    assert [t.id for t in flagged] == [made[2].id]


def test_community_only_plan_answers_questions_with_the_link(desk: Desk) -> None:
    q = s.create_ticket(desk.uow, desk.clock, desk.carol,
                        NewTicket(subject="How?", body="how do I", type="question"))  # fmt: skip
    assert q.community_answered and q.status == "solved" and q.sla is None
    assert "https://community.example.com/" in q.messages[-1].body
    inc = s.create_ticket(desk.uow, desk.clock, desk.carol,
                          NewTicket(subject="Down", body="down", type="incident"))  # fmt: skip
    assert not inc.community_answered and inc.status == "new" and inc.sla is not None
    with pytest.raises(TicketRuleError, match="does not include the email channel"):
        s.create_ticket(desk.uow, desk.clock, desk.carol,
                        NewTicket(subject="x", body="y", channel="email"))  # fmt: skip


def test_queue_orders_by_time_left(desk: Desk) -> None:
    slow = _new(desk, priority="normal")
    fast = _new(desk, priority="urgent")
    feature = _new(desk, type="feature_request")
    rows = s.list_tickets(desk.uow, desk.clock, desk.agent, order_by_time_left=True)
    assert [r.id for r in rows] == [fast.id, slow.id, feature.id]
    assert rows[0].time_left == timedelta(hours=1)
    assert rows[2].sla_state is None


def test_overdue_tickets_head_the_queue_with_negative_time_left(desk: Desk) -> None:
    # T0 is Mon 10:00 Lisbon. The urgent ticket's first response (1h) is due 11:00; at 12:30
    # an internal note (not a reply) re-evaluates it: breached 1h30m ago, still unanswered.
    late = _new(desk, priority="urgent")
    desk.clock.advance(timedelta(hours=2, minutes=30))
    s.add_internal_note(desk.uow, desk.clock, desk.agent, late.id, "Looking into it")
    fresh = _new(desk, priority="high")  # first response due 16:30
    rows = s.list_tickets(desk.uow, desk.clock, desk.agent, order_by_time_left=True)
    assert [r.id for r in rows] == [late.id, fresh.id]
    assert rows[0].sla_state == "breached"
    assert rows[0].time_left == -timedelta(hours=1, minutes=30)
    assert rows[1].time_left == timedelta(hours=4)


def test_publish_reevaluates_open_tickets(desk: Desk) -> None:

    t = _new(desk, priority="high")
    v = s.publish_policy(desk.uow, desk.clock, desk.admin,
                         POLICY.replace("high: 4h", "high: 2h").replace('"1"', '"2"'))  # fmt: skip
    assert v.current and v.version == "2" and v.reevaluated_tickets == 1
    seen = s.get_ticket(desk.uow, desk.clock, desk.agent, t.id)
    assert seen.sla is not None and seen.sla.version == "2"
    fr = next(x for x in seen.sla.targets if x.metric == "first_response")
    assert fr.due_at == t.created_at + timedelta(hours=2)
    assert [p.current for p in s.list_policy_versions(desk.uow, desk.clock, desk.admin)] == [
        True, False
    ]  # fmt: skip
    with pytest.raises(s.Forbidden):
        s.publish_policy(desk.uow, desk.clock, desk.agent, POLICY)
    bad = s.validate_policy(desk.uow, desk.clock, desk.admin, "policy: x\n", source="x.yaml")
    assert not bad.valid and "x.yaml" in str(bad.errors[0])


def test_compliance_summary(desk: Desk) -> None:
    t = _new(desk, priority="urgent")
    desk.clock.advance(timedelta(minutes=30))
    s.reply_publicly(desk.uow, desk.clock, desk.agent, t.id, "hi")
    _new(desk, priority="urgent")
    desk.clock.advance(timedelta(hours=2))
    start, end = desk.clock.now() - timedelta(days=1), desk.clock.now()
    report = s.compliance_summary(desk.uow, desk.clock, desk.agent, start, end)
    fr = next(m for m in report.metrics if m.metric == "first_response")
    assert (fr.met, fr.breached, fr.compliance) == (1, 1, 0.5)
    assert report.tickets == 2


def test_a_breach_between_sweeps_is_still_swept_and_recorded_once(desk: Desk) -> None:
    # T0 Mon 10:00 Lisbon: the urgent first response (1h, warn at 75%) is due 11:00. No sweep
    # runs until the agent replies late, at 11:30, which fulfils the target (breached). The
    # write keeps the ticket due, so the next sweep records the warning and the breach.
    t = _new(desk, priority="urgent")
    desk.clock.advance(timedelta(minutes=90))
    s.reply_publicly(desk.uow, desk.clock, desk.agent, t.id, "Found it, fixing now.")
    first = sweep_due(desk.uow, desk.clock)
    again = sweep_due(desk.uow, desk.clock)
    with desk.uow.read_only():
        rows = desk.uow.session.execute(
            select(SlaMilestone.metric, SlaMilestone.threshold, SlaMilestone.at)
            .where(SlaMilestone.ticket_id == t.id)
            .order_by(SlaMilestone.at)
        ).all()
    assert [(m, th) for m, th, _ in rows] == [
        ("first_response", "75%"),
        ("first_response", "breach"),
    ]
    assert [at.isoformat() for _, _, at in rows] == [
        "2025-03-03T10:45:00+00:00",
        "2025-03-03T11:00:00+00:00",
    ]
    assert first.tickets == 1 and again.tickets == 0
