"""Calls with the dedicated agent (LiveAgent VIP): free slots, booking one on a ticket, the
agent's written summary after the call, and review calls proposed by a job.

A call is booked on a ticket of an organisation whose policy declares ``calls`` (and, when it
names add-ons, that has one), with the organisation's dedicated agent, in a slot of
``sladesk.tickets.free_slots`` (the agent's working calendar minus their booked calls and
absences). Booking writes the booking, a public system message on the ticket saying when, an
audit row and two ``notify`` messages (``call.booked``: the customer and the agent), which
the mail sender delivers with the iCalendar invitation (:func:`call_invitation`). Two
customers racing for one slot queue on the agent's row; the second is told it is taken.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sladesk.policy import CallPolicy, Policy
from sladesk.services._dtos import NewTicket, TicketView
from sladesk.services._message_html import sanitize
from sladesk.services._outbox import KnownAudience, outbox_message
from sladesk.services._ticket_create import file_ticket
from sladesk.services._tickets_write import _change, _NewMessage
from sladesk.services.clock import Clock
from sladesk.sla import Event
from sladesk.store import (
    AuditRow,
    BookingRow,
    NewMessage,
    OrganizationPeople,
    StoredTicket,
    UnitOfWork,
    VipRepository,
)
from sladesk.tickets import (
    Actor,
    Forbidden,
    NotFound,
    Scope,
    Slot,
    TicketRuleError,
    check_slot,
    decide_call,
    free_slots,
    review_period,
)

__all__ = [
    "CallInvitation",
    "CallSlots",
    "CallView",
    "book_call",
    "call_invitation",
    "call_slots",
    "list_calls",
    "calls_as_read",
    "propose_review_calls",
    "record_call_summary",
]


@dataclass(frozen=True, slots=True)
class CallView:
    id: int
    ticket_id: int
    agent_id: int
    agent_name: str
    kind: str  # call | review
    status: str  # booked | cancelled | held
    starts_at: datetime
    ends_at: datetime
    uid: str
    message_id: int | None


@dataclass(frozen=True, slots=True)
class CallSlots:
    ticket_id: int
    agent_id: int
    agent_name: str
    time_zone: str  # the organisation's: where the portal shows the slots
    calendar_time_zone: str  # the agent's working calendar's
    length: timedelta
    slots: tuple[Slot, ...]


@dataclass(frozen=True, slots=True)
class CallInvitation:
    """What an invitation says (the mail sender turns it into iCalendar)."""

    uid: str
    sequence: int
    status: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str  # the agent's working calendar's zone: DTSTART;TZID=...
    created_at: datetime
    ticket_number: int
    subject: str
    agent_name: str
    agent_email: str
    contact_name: str | None
    contact_email: str | None


@dataclass(frozen=True, slots=True)
class _Setting:
    policy: Policy
    calls: CallPolicy
    org: OrganizationPeople
    agent_id: int


def _setting(uow: UnitOfWork, ticket: StoredTicket) -> _Setting:
    policy = uow.policies.parsed(ticket.policy_version_id)
    if policy is None or policy.calls is None:
        raise TicketRuleError("this ticket's policy offers no calls", code="call.not_offered")
    if ticket.state.organization_id is None:
        raise TicketRuleError("calls are booked on an organisation's ticket",
                              code="call.no_organization")  # fmt: skip
    org = VipRepository(uow.db).organization(ticket.state.organization_id)
    calls = policy.calls
    if calls.addons is not None and calls.addons.isdisjoint(org.addons):
        raise TicketRuleError(
            f"calls with a dedicated agent come with {', '.join(sorted(calls.addons))}",
            code="call.not_offered",
        )
    if org.dedicated_agent_id is None:
        raise TicketRuleError("this organisation has no dedicated agent yet",
                              code="call.no_agent")  # fmt: skip
    return _Setting(policy, calls, org, org.dedicated_agent_id)


def _busy(
    uow: UnitOfWork, agent_id: int, now: datetime, days: int
) -> list[tuple[datetime, datetime]]:
    vip = VipRepository(uow.db)
    end = now + timedelta(days=days + 2)
    busy = [(c.starts_at, c.ends_at) for c in vip.busy_calls(agent_id, now, end)]
    busy += [(a.starts_at, a.ends_at) for a in vip.absences([agent_id], ending_after=now)]
    return busy


def _view(row: BookingRow, agent_name: str) -> CallView:
    return CallView(row.id, row.ticket_id, row.agent_id, agent_name, row.kind, row.status,
                    row.starts_at, row.ends_at, row.uid, row.message_id)  # fmt: skip


def call_slots(uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int) -> CallSlots:
    """The dedicated agent's free slots for a call on this ticket (its customer or staff)."""
    now = clock.now()
    with uow.read_only():
        ticket = uow.gateway.load(ticket_id, actor.scope)
        s = _setting(uow, ticket)
        agent = VipRepository(uow.db).agent(s.agent_id)
        calendar = s.policy.calendars[s.calls.calendar]
        slots = free_slots(calendar, _busy(uow, s.agent_id, now, s.calls.horizon_days),
                           now=now, policy=s.calls)  # fmt: skip
    return CallSlots(ticket.id, agent.id, agent.name, s.org.time_zone,
                     calendar.timezone.key, s.calls.length, tuple(slots))  # fmt: skip


def _book(
    uow: UnitOfWork, actor: Actor, ticket: StoredTicket, s: _Setting, slot: Slot, now: datetime,
    *, kind: str = "call", period: str | None = None,
) -> BookingRow:  # fmt: skip
    """Store the booking, its message on the ticket, the audit row and both invitations."""
    vip = VipRepository(uow.db)
    agent = vip.agent(s.agent_id)
    contact_id = ticket.state.requester_id
    if actor.is_contact:
        contact_id = actor.id
    row = vip.add_booking(
        ticket_id=ticket.id, organization_id=s.org.id, agent_id=agent.id, contact_id=contact_id,
        kind=kind, period=period, status="booked", starts_at=slot.starts_at,
        ends_at=slot.ends_at, uid=f"sladesk-call-{uuid.uuid4().hex}", sequence=0,
        message_id=None, created_by=actor.key, created_at=now,
    )  # fmt: skip
    calendar = s.policy.calendars[s.calls.calendar]
    local = slot.starts_at.astimezone(calendar.timezone)
    minutes = int((slot.ends_at - slot.starts_at).total_seconds() // 60)
    what = "Review call" if kind == "review" else "Call"
    text = (f"{what} booked with {agent.name}: {local:%Y-%m-%d %H:%M} {local.tzname()} "
            f"({calendar.timezone.key}), {minutes} minutes. Both sides receive a calendar "
            "invitation.")  # fmt: skip
    (message,) = uow.gateway.add_messages(ticket.id, [NewMessage(
        author_kind="system", author_id=None, author_name="sladesk", public=True, kind="reply",
        body=text, body_html=sanitize(text, None), created_at=now,
    )])  # fmt: skip
    uow.gateway.touch(ticket.id, now)
    data = {"call_id": row.id, "message_id": message.id, "kind": kind,
            "due_at": slot.starts_at.isoformat(), "ends_at": slot.ends_at.isoformat(),
            "with": agent.name}  # fmt: skip
    outbox = []
    event = "call.booked"
    for to, zone in ((f"contact:{contact_id}", s.org.time_zone),
                     (f"agent:{agent.id}", calendar.timezone.key)):  # fmt: skip
        if to.endswith(":None"):
            continue
        # built as the system's, so that the customer who booked gets their invitation too
        # (a notice never goes to the person who caused it); the document names the booker
        msg = outbox_message(
            "notify", f"notify:{to}:{event}:{row.id}:{row.sequence}", event=event, at=now,
            actor="system", ticket=_Fields(ticket), data=data, to=to,
            audience=KnownAudience(s.org.locale, zone),
        )  # fmt: skip
        if msg is not None:
            outbox.append((msg[0], msg[1], {**msg[2], "actor": actor.key}))
    audit = AuditRow(now, actor.key, "sladesk.call.booked",
                     {"call_id": row.id, "kind": kind, "starts_at": slot.starts_at.isoformat(),
                      "agent_id": agent.id}, ticket_id=ticket.id)  # fmt: skip
    uow.gateway.record_effects([audit], outbox, now)
    return row


@dataclass(frozen=True, slots=True)
class _Fields:
    """A stored ticket as :class:`~sladesk.services._outbox.TicketFields`."""

    t: StoredTicket

    @property
    def id(self) -> int:
        return self.t.id

    @property
    def number(self) -> int:
        return self.t.number

    @property
    def subject(self) -> str:
        return self.t.subject

    @property
    def status(self) -> str:
        return self.t.state.status.value

    @property
    def priority(self) -> str:
        return self.t.state.priority

    @property
    def type(self) -> str:
        return self.t.state.type

    @property
    def organization_id(self) -> int | None:
        return self.t.state.organization_id

    @property
    def requester_id(self) -> int | None:
        return self.t.state.requester_id

    @property
    def assignee_id(self) -> int | None:
        return self.t.state.assignee_id

    @property
    def team(self) -> str | None:
        return self.t.state.team


def book_call(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, starts_at: datetime
) -> CallView:
    """Book the slot starting at ``starts_at`` with the dedicated agent, on this ticket."""
    now = clock.now()
    with uow:
        ticket = uow.gateway.load(ticket_id, actor.scope, for_update=True)
        if ticket.state.is_final:
            raise TicketRuleError("the ticket is closed: book the call on an open ticket",
                                  code="ticket.closed")  # fmt: skip
        s = _setting(uow, ticket)
        vip = VipRepository(uow.db)
        vip.lock_agent(s.agent_id)
        calendar = s.policy.calendars[s.calls.calendar]
        slot = check_slot(calendar, _busy(uow, s.agent_id, now, s.calls.horizon_days),
                          starts_at, now=now, policy=s.calls)  # fmt: skip
        row = _book(uow, actor, ticket, s, slot, now)
        name = vip.agent(s.agent_id).name
        uow.commit()
    return _view(row, name)


def list_calls(uow: UnitOfWork, actor: Actor, ticket_id: int) -> list[CallView]:
    """The calls booked on a ticket (its customer or staff)."""
    with uow.read_only():
        uow.gateway.load(ticket_id, actor.scope)
        return calls_as_read(uow, ticket_id)


def calls_as_read(uow: UnitOfWork, ticket_id: int) -> list[CallView]:
    """:func:`list_calls` in the caller's open unit of work, for a ticket the caller was
    already found to see (the agents' names read only when there are calls)."""
    vip = VipRepository(uow.db)
    rows = vip.bookings(ticket_id=ticket_id)
    agents = {r.agent_id for r in rows}
    names = {a.id: a.name for a in vip.agents(agents)} if agents else {}
    return [_view(r, names.get(r.agent_id, "")) for r in rows]


def record_call_summary(
    uow: UnitOfWork, clock: Clock, actor: Actor, call_id: int, summary: str
) -> TicketView:
    """After the call, the agent records what was said and agreed: the ticket's call record
    (``log_call``: public, counts as a response), and the booking is marked held."""
    now = clock.now()
    with uow:
        vip = VipRepository(uow.db)
        try:
            call = vip.booking(call_id)
            uow.gateway.load(call.ticket_id, actor.scope)
        except NotFound:
            raise NotFound("call", call_id) from None
        if not actor.is_staff:
            raise Forbidden("only support agents record a call's summary")
        if call.status != "booked":
            raise TicketRuleError(f"this call is {call.status} already", code="call.not_booked")
        if now < call.starts_at:
            raise TicketRuleError("the call has not started yet: record it afterwards",
                                  code="call.not_yet")  # fmt: skip

        def decide(_u: UnitOfWork, t: StoredTicket, at: datetime) -> list[Event]:
            return decide_call(t.state, actor, summary, now=at)

        text = summary.strip() if summary else ""
        view = _change(uow, now, actor, call.ticket_id, decide, "call.logged",
                       message=_NewMessage("call", True, text, None, text),
                       data={"call_id": call_id})  # fmt: skip
        message_id = max(m.id for m in view.messages if m.kind == "call")
        vip.update_booking(call_id, status="held", message_id=message_id)
        uow.commit()
    return view


def call_invitation(uow: UnitOfWork, call_id: int) -> CallInvitation | None:
    """What the invitation of a booking says; None when it is gone."""
    with uow.read_only():
        vip = VipRepository(uow.db)
        try:
            call = vip.booking(call_id)
        except NotFound:
            return None
        ticket = uow.gateway.load(call.ticket_id, _everything())
        policy = uow.policies.parsed(ticket.policy_version_id)
        zone = "UTC"
        if policy is not None and policy.calls is not None:
            zone = policy.calendars[policy.calls.calendar].timezone.key
        agent = vip.agent(call.agent_id)
        contact = vip.contact(call.contact_id) if call.contact_id is not None else None
    return CallInvitation(
        call.uid, call.sequence, call.status, call.kind, call.starts_at, call.ends_at, zone,
        call.created_at, ticket.number, ticket.subject, agent.name, agent.email,
        contact[0] if contact else None, contact[1] if contact else None,
    )  # fmt: skip


def _everything() -> Scope:
    return Scope.all_organizations()


# -- review calls ----------------------------------------------------------------------------

_REVIEW_ACTOR = Actor.system("review-calls")


def propose_review_calls(uow: UnitOfWork, clock: Clock, *, limit: int = 50) -> int:
    """For each organisation whose current policy proposes review calls (every
    ``review_every_months``) and that has none for the period starting
    ``review_lead_days`` from now: a review ticket filed for its newest contact, with the
    first free slot of its dedicated agent from then on booked on it, and both invited.
    Returns how many were proposed; idempotent per organisation and period (a unique key)."""
    now = clock.now()
    done = 0
    with uow.read_only():
        policy = uow.policies.parsed(uow.policies.current_id())
        if policy is None or policy.calls is None or policy.calls.review_every_months is None:
            return 0
        calls = policy.calls
        orgs = [o for o in VipRepository(uow.db).organizations(with_dedicated_agent=True)
                if calls.addons is None or not calls.addons.isdisjoint(o.addons)]  # fmt: skip
    for org in orgs:
        if done >= limit:
            break
        every = calls.review_every_months
        assert every is not None
        earliest = now + timedelta(days=calls.review_lead_days)
        period = review_period(earliest, every, org.time_zone)
        with uow:
            vip = VipRepository(uow.db)
            if org.id in vip.review_periods(period):
                continue
            contact = vip.newest_contact(org.id)
            if contact is None:
                continue
            agent_id = org.dedicated_agent_id
            assert agent_id is not None
            vip.lock_agent(agent_id)
            calendar = policy.calendars[calls.calendar]
            busy = _busy(uow, agent_id, now, calls.review_lead_days + calls.horizon_days)
            wide = CallPolicy(calls.calendar, calls.review_length, calls.notice,
                              calls.review_lead_days + calls.horizon_days)  # fmt: skip
            slots = free_slots(calendar, busy, now=now, policy=wide, earliest=earliest, limit=1)
            if not slots:
                continue
            view = file_ticket(uow, _REVIEW_ACTOR, NewTicket(
                subject=f"Review call ({period})", requester_id=contact,
                body=("Your monthly review call with your dedicated agent is proposed below: "
                      "keep it, or book another time on this ticket."),
                type="request" if "request" in policy.types else None, channel="portal",
            ), now)  # fmt: skip
            ticket = uow.gateway.load(view.id, _everything(), for_update=True)
            s = _Setting(policy, calls, org, agent_id)
            _book(uow, _REVIEW_ACTOR, ticket, s, slots[0], now, kind="review", period=period)
            uow.commit()
            done += 1
    return done
