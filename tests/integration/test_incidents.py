"""Major incidents on SQLite and PostgreSQL: linking, one public update reaching every linked
ticket's customer (a public message + a mail notice each), and pausing/resuming the linked
tickets' clocks in one action — each deadline moves by exactly the business time paused,
unlinked tickets are untouched, and each ticket's timeline says why it paused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_fixtures import POLICY, T0, Desk

from sladesk import services as s
from sladesk.policy import load_policy
from sladesk.services import Conflict, Forbidden, InvalidRequest, NewTicket, NotFound


def _ticket(desk: Desk, who: s.Actor, subject: str) -> int:
    new = NewTicket(subject=subject, body="It fails", type="incident", priority="urgent")
    return s.create_ticket(desk.uow, desk.clock, who, new).id


def _resolution(desk: Desk, ticket_id: int) -> s.TicketView:
    return s.get_ticket(desk.uow, desk.clock, desk.agent, ticket_id)


def _due(view: s.TicketView) -> object:
    assert view.sla is not None
    (target,) = [t for t in view.sla.targets if t.metric == "resolution"]
    return target


def test_pause_and_resume_move_each_linked_deadline_by_the_paused_business_time(
    desk: Desk,
) -> None:
    a = _ticket(desk, desk.alice, "Payments down")  # Mon 10:00 Lisbon, urgent: 4h -> 14:00
    b = _ticket(desk, desk.bob, "Payments down too")
    other = _ticket(desk, desk.bob, "Unrelated")
    before = {t: _due(_resolution(desk, t)).due_at for t in (a, b, other)}  # type: ignore[attr-defined]
    incident = s.create_incident(desk.uow, desk.clock, desk.agent, kind="partner_outage",
                                 title="Card processor outage", ticket_ids=[a, b])  # fmt: skip
    assert {x.ticket_id for x in incident.links} == {a, b}

    desk.clock.advance(timedelta(hours=1))  # 11:00
    paused = s.pause_incident(desk.uow, desk.clock, desk.agent, incident.incident.id)
    assert sorted(paused.changed) == sorted([a, b]) and paused.incident.paused
    for t in (a, b):
        view = _resolution(desk, t)
        assert (view.status, view.status_reason) == ("on_hold", "partner_outage")
        target = _due(view)
        assert target.state.value == "paused"  # type: ignore[attr-defined]
        # the explain timeline says why the clock stopped
        whys = [seg.why for seg in target.timeline if seg.kind == "paused"]  # type: ignore[attr-defined]
        assert any("partner_outage" in w for w in whys), whys

    # paused from Mon 11:00 to Tue 09:30 Lisbon: business time paused = 7h (11:00-18:00) +
    # 30 min (09:00-09:30), across the closed night
    pause_started = desk.clock.now()
    desk.clock.advance(timedelta(hours=22, minutes=30))
    support = load_policy(POLICY).calendars["support"]
    paused_time = support.elapsed(pause_started, desk.clock.now())
    assert paused_time == timedelta(hours=7, minutes=30)
    resumed = s.resume_incident(desk.uow, desk.clock, desk.agent, incident.incident.id)
    assert sorted(resumed.changed) == sorted([a, b]) and not resumed.incident.paused
    for t in (a, b):
        view = _resolution(desk, t)
        assert view.status == "open"
        due = _due(view).due_at  # type: ignore[attr-defined]
        # the deadline moved by exactly the business time paused: 4h target, 1h used before
        # the pause, 3h left from Tue 09:30 -> Tue 12:30 (was Mon 14:00)
        assert support.elapsed(before[t], due) == paused_time
        assert due == T0 + timedelta(days=1, hours=2, minutes=30)
        kinds = [(e.kind, e.data.get("status"), e.data.get("reason")) for e in view.history]
        assert ("status", "on_hold", "partner_outage") in kinds
    # the unlinked ticket is untouched
    untouched = _resolution(desk, other)
    assert untouched.status == "new"
    assert _due(untouched).due_at == before[other]  # type: ignore[attr-defined]
    assert not any(e.kind == "status" for e in untouched.history)


def test_one_update_reaches_every_linked_customer(desk: Desk) -> None:
    a = _ticket(desk, desk.alice, "Down")
    b = _ticket(desk, desk.bob, "Down here too")
    other = _ticket(desk, desk.bob, "Not linked")
    incident = s.create_incident(desk.uow, desk.clock, desk.agent, kind="platform_incident",
                                 title="API errors", ticket_ids=[a, b])  # fmt: skip
    with desk.uow.read_only():
        queued_before = len(desk.uow.outbox.all("notify"))
    view = s.post_incident_update(desk.uow, desk.clock, desk.agent, incident.incident.id,
                                  "We found the cause and are deploying a fix.")  # fmt: skip
    assert sorted(view.changed) == sorted([a, b])
    assert [u.tickets for u in view.updates] == [2]
    for t, who in ((a, desk.alice), (b, desk.bob)):
        mine = s.get_ticket(desk.uow, desk.clock, who, t)  # the customer sees it
        assert mine.messages[-1].public
        assert mine.messages[-1].body == "We found the cause and are deploying a fix."
    assert len(s.get_ticket(desk.uow, desk.clock, desk.bob, other).messages) == 1
    with desk.uow.read_only():
        new = desk.uow.outbox.all("notify")[queued_before:]
    told = {(m.payload["recipient"]["id"], m.payload["ticket"]["id"]) for m in new
            if m.payload["event"] == "ticket.replied"}  # fmt: skip
    assert told == {(desk.alice.id, a), (desk.bob.id, b)}


def test_link_while_paused_pauses_unlink_resumes_resolve_resumes_all(desk: Desk) -> None:
    a = _ticket(desk, desk.alice, "A")
    b = _ticket(desk, desk.bob, "B")
    s.change_status(desk.uow, desk.clock, desk.agent, b, "pending_customer")
    incident = s.create_incident(desk.uow, desk.clock, desk.agent, kind="partner_outage",
                                 title="Outage", ticket_ids=[a])  # fmt: skip
    iid = incident.incident.id
    s.pause_incident(desk.uow, desk.clock, desk.agent, iid)
    with pytest.raises(Conflict):
        s.pause_incident(desk.uow, desk.clock, desk.agent, iid)
    linked = s.link_tickets(desk.uow, desk.clock, desk.agent, iid, [b, a])
    assert linked.changed == (b,)
    assert _resolution(desk, b).status == "on_hold"
    s.unlink_ticket(desk.uow, desk.clock, desk.agent, iid, b)
    assert _resolution(desk, b).status == "pending_customer"  # back where it was
    done = s.resolve_incident(desk.uow, desk.clock, desk.agent, iid, body="Fixed upstream.")
    assert done.incident.status == "resolved" and done.changed == (a,)
    assert _resolution(desk, a).status == "open"
    assert _resolution(desk, a).messages[-1].body == "Fixed upstream."
    with pytest.raises(Conflict):
        s.link_tickets(desk.uow, desk.clock, desk.agent, iid, [b])


def test_access_and_bad_input(desk: Desk) -> None:
    a = _ticket(desk, desk.alice, "A")
    with pytest.raises(Forbidden):
        s.create_incident(desk.uow, desk.clock, desk.alice, kind="partner_outage", title="x")
    with pytest.raises(InvalidRequest, match="unknown incident kind"):
        s.create_incident(desk.uow, desk.clock, desk.agent, kind="meteor", title="x")
    with pytest.raises(InvalidRequest, match="title"):
        s.create_incident(desk.uow, desk.clock, desk.agent, kind="partner_outage", title=" ")
    with pytest.raises(NotFound):
        s.create_incident(desk.uow, desk.clock, desk.agent, kind="partner_outage",
                          title="x", ticket_ids=[a, 999_999])  # fmt: skip
    assert s.list_incidents(desk.uow, desk.clock, desk.agent) == []  # nothing was written
    with pytest.raises(NotFound):
        s.get_incident(desk.uow, desk.clock, desk.agent, 12345)
    with pytest.raises(Forbidden):
        s.list_incidents(desk.uow, desk.clock, desk.bob)


def test_a_tickets_incidents_are_listed_with_their_counts(desk: Desk) -> None:
    a = _ticket(desk, desk.alice, "A")
    b = _ticket(desk, desk.bob, "B")
    one = s.create_incident(desk.uow, desk.clock, desk.agent, kind="partner_outage",
                            title="One", ticket_ids=[a, b])  # fmt: skip
    s.create_incident(desk.uow, desk.clock, desk.agent, kind="platform_incident", title="Two",
                      ticket_ids=[b])  # fmt: skip
    found = s.incidents_of_ticket(desk.uow, desk.clock, desk.agent, a)
    assert [(i.id, i.tickets) for i in found] == [(one.incident.id, 2)]
    assert sorted(i.title for i in s.incidents_of_ticket(desk.uow, desk.clock, desk.agent, b)) == [
        "One",
        "Two",
    ]
