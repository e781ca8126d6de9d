"""LiveAgent VIP's dedicated agent on SQLite and PostgreSQL: routing at filing and on
escalation (the dedicated agent, the backup while they are away, level-2 seniors), absences
and availability, free call slots (booked calls, absences, closed hours across DST),
booking, the summary after the call, review calls, and the periodic check-in reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from vip_fixtures import CET, THURSDAY, Vip, vip

from sladesk import services as s
from sladesk.jobs.sweep import sweep_due
from sladesk.services import Actor, NewTicket
from sladesk.store import OutboxMessage

__all__ = ["vip"]


def _assigned(vip: Vip, view: s.TicketView) -> list[dict[str, object]]:
    """The ticket's ``assigned`` history entries, as staff see them (contacts do not)."""
    d = vip.desk
    staff = s.get_ticket(d.uow, d.clock, d.lead, view.id)
    return [dict(e.data) for e in staff.history if e.kind == "assigned"]


def test_new_tickets_go_to_the_dedicated_agent(vip: Vip) -> None:
    t = vip.file()
    assert t.assignee_id == vip.ana.id and t.team is None
    (entry,) = _assigned(vip, t)
    assert "vip_dedicated_agent" in str(entry["reason"])
    # a customer without the add-on is not routed
    plain = s.create_ticket(vip.desk.uow, vip.desk.clock, vip.desk.alice,
                            NewTicket(subject="Hi", body="A question"))  # fmt: skip
    assert plain.assignee_id is None and not _assigned(vip, plain)


def test_while_the_agent_is_away_the_backup_gets_them(vip: Vip) -> None:
    d = vip.desk
    s.set_availability(d.uow, d.clock, vip.ana, vip.ana.id, False)
    t = vip.file()
    assert t.assignee_id == vip.bruno.id
    assert "Ana is away" in str(_assigned(vip, t)[0]["reason"])
    s.set_availability(d.uow, d.clock, vip.ana, vip.ana.id, True)
    assert vip.file().assignee_id == vip.ana.id


def test_an_absence_routes_to_the_backup_exactly_for_its_dates(vip: Vip) -> None:
    d = vip.desk
    # Ana is away Friday to Sunday in Lisbon; Sunday 29 March is the DST change (01:00 UTC)
    absence = s.add_absence(d.uow, d.clock, vip.ana, vip.ana.id, starts_on=date(2026, 3, 27),
                            ends_on=date(2026, 3, 29), time_zone="Europe/Lisbon",
                            reason="holiday")  # fmt: skip
    assert absence.starts_at == datetime(2026, 3, 27, 0, 0, tzinfo=UTC)
    assert absence.ends_at == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)  # WEST midnight
    assert vip.file().assignee_id == vip.ana.id  # Thursday: not yet
    d.clock.set(absence.starts_at)
    assert vip.file().assignee_id == vip.bruno.id
    d.clock.set(absence.ends_at - timedelta(microseconds=1))
    assert vip.file().assignee_id == vip.bruno.id
    seen = s.agent_availability(d.uow, d.clock, d.lead, vip.ana.id)
    assert seen.away_now and seen.back_at == absence.ends_at
    d.clock.set(absence.ends_at)
    assert vip.file().assignee_id == vip.ana.id
    # both away: the general queue
    s.set_availability(d.uow, d.clock, vip.ana, vip.ana.id, False)
    s.set_availability(d.uow, d.clock, d.lead, vip.bruno.id, False)
    t = vip.file()
    assert (t.assignee_id, t.team) == (None, None)


def test_absences_are_the_agents_own_or_a_leads(vip: Vip) -> None:
    d = vip.desk
    with pytest.raises(s.Forbidden):
        s.set_availability(d.uow, d.clock, vip.bruno, vip.ana.id, False)
    with pytest.raises(s.NotFound):
        s.agent_availability(d.uow, d.clock, vip.vera, vip.ana.id)
    with pytest.raises(s.InvalidRequest) as bad:
        s.add_absence(d.uow, d.clock, vip.ana, vip.ana.id, starts_on=date(2026, 4, 2),
                      ends_on=date(2026, 4, 1), time_zone="Europe/Lisbon")  # fmt: skip
    assert bad.value.field == "ends_on"
    a = s.add_absence(d.uow, d.clock, d.lead, vip.ana.id, starts_on=date(2026, 4, 1),
                      ends_on=date(2026, 4, 1), time_zone="Europe/Lisbon")  # fmt: skip
    s.remove_absence(d.uow, d.clock, vip.ana, vip.ana.id, a.id)
    assert s.agent_availability(d.uow, d.clock, d.lead, vip.ana.id).absences == ()


def test_critical_and_escalated_tickets_go_to_level_two_seniors(vip: Vip) -> None:
    d = vip.desk
    critical = vip.file("sev1")
    assert critical.team == "tier2" and critical.assignee_id == vip.carla.id  # tie: lowest id
    # the next goes to Davi, who has fewer open tickets now
    assert vip.file("sev2").assignee_id == vip.davi.id
    t = vip.file("sev4")
    assert t.assignee_id == vip.ana.id
    escalated = s.change_priority(d.uow, d.clock, vip.ana, t.id, "sev1", "Production is down")
    assert escalated.team == "tier2" and escalated.assignee_id in (vip.carla.id, vip.davi.id)
    assert "vip_seniors" in str(_assigned(vip, escalated)[-1]["reason"])
    # the escalation's move_to_team also picks an available senior
    other = vip.file("sev4")
    s.set_availability(d.uow, d.clock, vip.carla, vip.carla.id, False)
    moved = s.escalate_to_team(d.uow, d.clock, Actor.system("sla-escalation"), other.id, "tier2")
    assert moved.team == "tier2" and moved.assignee_id == vip.davi.id


def test_free_slots_exclude_calls_absences_and_closed_hours_across_dst(vip: Vip) -> None:
    d = vip.desk
    t = vip.file()
    offer = s.call_slots(d.uow, d.clock, vip.vera, t.id)
    assert (offer.agent_id, offer.time_zone, offer.calendar_time_zone) == (
        vip.ana.id,
        "Europe/Lisbon",
        "CET",
    )
    starts = [x.starts_at for x in offer.slots]
    # Thursday 11:00 CET + 2 h notice: from 13:00 CET = 12:00 UTC
    assert starts[0] == datetime(2026, 3, 26, 12, 0, tzinfo=UTC)
    assert all(x.starts_at.astimezone(CET).weekday() < 5 for x in offer.slots)
    friday = [x for x in starts if x.astimezone(CET).day == 27]
    monday = [x for x in starts if x.astimezone(CET).day == 30]
    assert friday[0] == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert monday[0] == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert len(friday) == len(monday) == 16

    call = s.book_call(d.uow, d.clock, vip.vera, t.id, friday[2])
    assert (call.status, call.kind, call.agent_id) == ("booked", "call", vip.ana.id)
    s.add_absence(d.uow, d.clock, vip.ana, vip.ana.id, starts_on=date(2026, 3, 31),
                  ends_on=date(2026, 3, 31), time_zone="Europe/Paris")  # fmt: skip
    again = [x.starts_at for x in s.call_slots(d.uow, d.clock, vip.vera, t.id).slots]
    assert friday[2] not in again and friday[1] in again and friday[3] in again
    assert not [x for x in again if x.astimezone(CET).day == 31]
    with pytest.raises(s.TicketRuleError) as taken:
        s.book_call(d.uow, d.clock, vip.desk.agent, t.id, friday[2])
    assert taken.value.code == "call.taken"
    with pytest.raises(s.TicketRuleError) as closed:
        s.book_call(d.uow, d.clock, vip.vera, t.id, datetime(2026, 3, 28, 9, 0, tzinfo=UTC))
    assert closed.value.code == "call.closed"


def test_booking_is_on_the_ticket_invites_both_and_the_summary_follows(vip: Vip) -> None:
    d = vip.desk
    t = vip.file()
    slot = s.call_slots(d.uow, d.clock, vip.vera, t.id).slots[0]
    call = s.book_call(d.uow, d.clock, vip.vera, t.id, slot.starts_at)
    view = s.get_ticket(d.uow, d.clock, vip.vera, t.id)
    assert "Call booked with Ana" in view.messages[-1].body
    assert [c.id for c in s.list_calls(d.uow, vip.vera, t.id)] == [call.id]
    with d.uow.read_only():
        rows = d.uow.session.query(OutboxMessage).filter(OutboxMessage.kind == "notify").all()
        invites = [r.payload for r in rows if r.payload.get("template") == "call.booked"]
    assert sorted((p["recipient"]["kind"], str(p["recipient"]["id"])) for p in invites) == [
        ("agent", str(vip.ana.id)),
        ("contact", str(vip.vera.id)),
    ]
    assert {p["data"]["call_id"] for p in invites} == {call.id}
    invitation = s.call_invitation(d.uow, call.id)
    assert invitation is not None and invitation.time_zone == "CET"
    assert invitation.starts_at == slot.starts_at and invitation.contact_email == "vera@vipco.test"
    # another organisation cannot see nor book on it
    with pytest.raises(s.NotFound):
        s.call_slots(d.uow, d.clock, d.alice, t.id)
    with pytest.raises(s.TicketRuleError) as early:
        s.record_call_summary(d.uow, d.clock, vip.ana, call.id, "We agreed on X")
    assert early.value.code == "call.not_yet"
    d.clock.set(call.ends_at)
    with pytest.raises(s.Forbidden):
        s.record_call_summary(d.uow, d.clock, vip.vera, call.id, "I say so")
    after = s.record_call_summary(d.uow, d.clock, vip.ana, call.id, "We agreed on X by Friday")
    assert after.messages[-1].kind == "call"
    assert after.messages[-1].call_summary == "We agreed on X by Friday"
    (held,) = s.list_calls(d.uow, vip.vera, t.id)
    assert held.status == "held" and held.message_id == after.messages[-1].id


def test_review_calls_are_proposed_once_per_period(vip: Vip) -> None:
    d = vip.desk
    vip.file()
    assert s.propose_review_calls(d.uow, d.clock) == 1
    assert s.propose_review_calls(d.uow, d.clock) == 0  # the period has its review
    tickets = s.list_tickets(d.uow, d.clock, vip.vera)
    review = next(x for x in tickets if x.subject.startswith("Review call"))
    (call,) = s.list_calls(d.uow, vip.vera, review.id)
    assert call.kind == "review" and call.ends_at - call.starts_at == timedelta(minutes=45)
    # a week or more ahead (Thursday 2 April 12:00 CEST), on the 45-minute grid of Ana's
    # working hours from 09:00 CEST: 09:00, 09:45, 10:30, 11:15, 12:00
    assert call.starts_at == datetime(2026, 4, 2, 10, 0, tzinfo=UTC)
    assert review.subject == "Review call (2026-04)"
    d.clock.set(THURSDAY + timedelta(days=31))
    assert s.propose_review_calls(d.uow, d.clock) == 1  # the next month's


def test_the_periodic_update_reminds_the_dedicated_agent(vip: Vip) -> None:
    d = vip.desk
    t = vip.file("sev4")
    s.reply_publicly(d.uow, d.clock, vip.ana, t.id, "Looking into it")
    # severity 4: an update every 3 business days, the reminder at 75% (18 business hours)
    d.clock.set(datetime(2026, 3, 31, 13, 0, tzinfo=UTC))  # Tuesday 15:00 CEST
    sweep_due(d.uow, d.clock, limit=100)
    with d.uow.read_only():
        rows = d.uow.session.query(OutboxMessage).filter(OutboxMessage.kind == "notify").all()
        reminders = [r.payload for r in rows if r.payload.get("event") == "sla.warning"
                     and r.payload.get("data", {}).get("metric") == "periodic_update"]  # fmt: skip
    assert [(p["recipient"]["kind"], str(p["recipient"]["id"])) for p in reminders] == [
        ("agent", str(vip.ana.id))
    ]


def test_the_review_job_proposes_at_most_once_per_interval(vip: Vip) -> None:
    from sladesk.jobs.review_calls import ReviewCallsJob

    d = vip.desk
    vip.file()
    job = ReviewCallsJob(d.uow, d.clock, interval=timedelta(hours=1))
    assert job.run_once() == 1
    d.clock.advance(timedelta(minutes=59))
    assert job.run_once() == 0  # within the interval: not even looked at
    d.clock.advance(timedelta(days=31))
    assert job.run_once() == 1  # next month's review
