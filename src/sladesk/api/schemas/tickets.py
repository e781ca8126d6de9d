"""Tickets: what callers send (``TicketCreate``, ``ReplyCreate``, ``PriorityChange``...) and what
they get back.

Two renderings of one ticket, chosen by who asks:

- :class:`TicketDetail` for agents: every message (public replies, internal notes, call
  records), the assignee and team, attributes, the whole history and SLA state.
- :class:`TicketPublic` for contacts: public messages only, no assignee or team, no internal
  events. The services already leave internal notes out of a contact's view; this schema leaves
  them out again, so a slip in one layer is not a leak.

Durations (``target``, ``used``, ``left``, ``time_left``) are ISO 8601 durations of business
time in hours, minutes and seconds (``PT24H``, never ``P1D``), exact to the microsecond;
negative once breached (``-PT1H30M``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, StringConstraints, WithJsonSchema

from sladesk.api.schemas._base import Id, InputModel, OutputModel
from sladesk.policy import Status
from sladesk.services import (
    Actor,
    EventView,
    MessageView,
    NewTicket,
    TicketSummary,
    TicketView,
)
from sladesk.sla import Evaluation, TargetResult
from sladesk.tickets import contact_sees_event


def iso_business_duration(value: timedelta) -> str:
    """``PT24H``, ``-PT1H0.5S``, ``PT0S``: hours at most, never days, because business time
    has no days (24 business hours are two 12-hour support days, not ``P1D``)."""
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    hours, micros = divmod(micros, 3_600_000_000)
    minutes, micros = divmod(micros, 60_000_000)
    seconds, micros = divmod(micros, 1_000_000)
    out = ""
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if seconds or micros or not out:
        frac = f".{micros:06d}".rstrip("0") if micros else ""
        out += f"{seconds}{frac}S"
    return f"{sign}PT{out}"


#: what :func:`iso_business_duration` writes: signed, hours at most, microseconds at most
BUSINESS_TIME_PATTERN = r"^-?PT(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]{1,6})?S)?$"

#: business time, rendered as an ISO 8601 duration in hours, minutes and seconds. Not declared
#: ``format: duration``: that names RFC 3339's durations, which have no sign and no fraction.
BusinessTime = Annotated[
    timedelta,
    PlainSerializer(iso_business_duration, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": BUSINESS_TIME_PATTERN,
            "description": "Business time as an ISO 8601 duration in hours, minutes and "
            "seconds (never days): `PT11H30M`, `PT24M7.615203S`; negative once the target is "
            "breached (`-PT11H35M`); exact to the microsecond.",
            "examples": ["PT11H30M", "-PT11H35M", "PT24M7.615203S"],
        }
    ),
]

Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=50_000)]
Html = Annotated[str, StringConstraints(max_length=200_000)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1_000)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50)]

# ---------------------------------------------------------------- requests


class TicketCreate(InputModel):
    """A new ticket. Contacts file for themselves; an agent files for a contact
    (``requester_id``) or an organisation. ``type`` and ``priority`` default from the policy."""

    subject: Subject
    body: Body
    body_html: Html | None = None
    type: Key | None = None
    priority: Key | None = None
    channel: Key = "portal"
    requester_id: Id | None = None
    organization_id: Id | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    attributes: dict[Key, Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=dict, max_length=50
    )

    def to_new(self) -> NewTicket:
        return NewTicket(
            subject=self.subject,
            body=self.body,
            body_html=self.body_html,
            type=self.type,
            priority=self.priority,
            channel=self.channel,
            requester_id=self.requester_id,
            organization_id=self.organization_id,
            tags=tuple(self.tags),
            attributes=dict(self.attributes),
        )


class ReplyCreate(InputModel):
    """A public reply (agents and contacts)."""

    body: Body
    body_html: Html | None = None


class NoteCreate(InputModel):
    """An internal note: agents only, never shown to contacts."""

    body: Body
    body_html: Html | None = None


class CallCreate(InputModel):
    """A call record. Agreements made on a call are recorded in writing: ``summary`` is
    required and shown to the customer; ``body`` holds longer notes."""

    summary: Annotated[str, StringConstraints(min_length=1, max_length=5_000)]
    body: Annotated[str, StringConstraints(max_length=50_000)] = ""
    #: the call came to the on-call number: page whoever is on call (docs/api.md "On call")
    page_on_call: bool = False
    caller: Annotated[str, StringConstraints(max_length=200)] | None = None


class AssignmentChange(InputModel):
    """``assignee_id: null`` unassigns."""

    assignee_id: Id | None
    team: Key | None = None


class StatusChange(InputModel):
    """A new status; ``on_hold`` takes a reason (``on_hold`` + ``partner_outage`` pauses the
    clocks whose policy says ``on_hold:partner_outage``)."""

    status: Status
    reason: Reason | None = None


class PriorityChange(InputModel):
    """A new priority, with the reason the customer is shown."""

    priority: Key
    reason: Reason


class TypeChange(InputModel):
    type: Key
    reason: Reason | None = None


class Transition(InputModel):
    """Solve, reopen or close, with an optional reason."""

    reason: Reason | None = None


class CloseRequest(InputModel):
    """Close, with an optional reason; with a ``cause`` the policy closes with evidence
    (``closing.evidence_for``: Aivo's ``customer_system``, ``third_party_system``), the
    reason (sent to the customer) and at least one file or message of the ticket."""

    reason: Reason | None = None
    cause: Key | None = None
    evidence_attachment_ids: list[Id] = Field(default_factory=list, max_length=50)
    evidence_message_ids: list[Id] = Field(default_factory=list, max_length=50)


AttrValue = Annotated[str, StringConstraints(max_length=200)]


class AttributesChange(InputModel):
    """New tags (the whole set) and/or attributes (merged; ``""`` clears one). The rules
    are matched again and the targets follow, as for a priority change."""

    tags: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=50
    )
    attributes: dict[Key, AttrValue] | None = None
    reason: Reason | None = None


# ---------------------------------------------------------------- SLA


class Segment(OutputModel):
    start: datetime
    end: datetime | None
    kind: str
    why: str


class SlaWarning(OutputModel):
    threshold: str
    at: datetime | None
    passed: bool


class Cycle(OutputModel):
    started_at: datetime
    due_at: datetime | None
    fulfilled_at: datetime | None
    breached_at: datetime | None
    state: str


class SlaTarget(OutputModel):
    """One clock of a ticket, with its ``explain`` timeline."""

    metric: str
    calendar: str
    target: BusinessTime | None
    target_text: str
    priority: str | None
    state: str
    started_at: datetime | None
    due_at: datetime | None = Field(
        description="running: the deadline; breached: when the target was used up; met: the "
        "deadline as it stood at the fulfilment (paused then: had the clock resumed at it); "
        "null while paused or pending"
    )
    due_if_resumed_at: datetime | None = Field(
        description="paused: the deadline if the clock resumed now; running: due_at; otherwise null"
    )
    fulfilled_at: datetime | None
    breached_at: datetime | None
    used: BusinessTime
    left: BusinessTime | None
    warnings: tuple[SlaWarning, ...]
    cycles: tuple[Cycle, ...]
    timeline: tuple[Segment, ...]

    @classmethod
    def of(cls, t: TargetResult) -> SlaTarget:
        return cls.model_validate(t)


class SlaState(OutputModel):
    """The evaluation at the time of the request; ``rule: null`` means no SLA (``reason``)."""

    policy: str
    version: str
    rule: str | None
    reason: str
    next_event_at: datetime | None
    targets: tuple[SlaTarget, ...]

    @classmethod
    def of(cls, e: Evaluation | None) -> SlaState | None:
        return None if e is None else cls.model_validate(e)


# ---------------------------------------------------------------- tickets


class MessagePublic(OutputModel):
    id: int
    kind: str = Field(description="reply | call")
    author_kind: str = Field(description="who wrote it: contact | agent | system")
    author_name: str
    on_behalf_of_name: str | None = Field(
        description="the contact an agent wrote it for (a ticket filed from a call or an "
        "e-mail); null when the author wrote for themself"
    )
    body: str
    body_html: str
    call_summary: str | None
    created_at: datetime


class MessageDetail(MessagePublic):
    kind: str = Field(description="reply | note | call")
    author_id: int | None
    on_behalf_of_id: int | None = Field(description="the contact's id (see on_behalf_of_name)")
    public: bool


class HistoryEntry(OutputModel):
    """One entry of the ticket's history: a stable code (``kind``) and its data."""

    seq: int
    at: datetime
    kind: str
    actor: str
    data: Mapping[str, Any]


def _public_history(events: tuple[EventView, ...]) -> tuple[HistoryEntry, ...]:
    """What a contact may see of the history, whatever a service hands over."""
    return tuple(
        HistoryEntry.model_validate(e) for e in events if contact_sees_event(e.kind, e.data)
    )


def _public_messages(messages: tuple[MessageView, ...]) -> tuple[MessagePublic, ...]:
    return tuple(MessagePublic.model_validate(m) for m in messages if m.public)


class TicketPublic(OutputModel):
    """A ticket as a contact sees it."""

    audience: Literal["contact"] = "contact"
    id: int
    number: int
    subject: str
    type: str
    priority: str
    status: str
    status_reason: str | None
    channel: str
    organization_id: int | None
    requester_id: int | None
    over_quota: bool
    community_answered: bool
    created_at: datetime
    updated_at: datetime
    messages: tuple[MessagePublic, ...]
    history: tuple[HistoryEntry, ...]
    sla: SlaState | None

    @classmethod
    def of(cls, v: TicketView) -> TicketPublic:
        return cls(
            id=v.id,
            number=v.number,
            subject=v.subject,
            type=v.type,
            priority=v.priority,
            status=v.status,
            status_reason=v.status_reason,
            channel=v.channel,
            organization_id=v.organization_id,
            requester_id=v.requester_id,
            over_quota=v.over_quota,
            community_answered=v.community_answered,
            created_at=v.created_at,
            updated_at=v.updated_at,
            messages=_public_messages(v.messages),
            history=_public_history(v.history),
            sla=SlaState.of(v.sla),
        )


class TicketDetail(OutputModel):
    """A ticket as an agent sees it: everything."""

    audience: Literal["agent"] = "agent"
    id: int
    number: int
    subject: str
    type: str
    priority: str
    status: str
    status_reason: str | None
    channel: str
    organization_id: int | None
    requester_id: int | None
    assignee_id: int | None
    team: str | None
    tags: tuple[str, ...]
    attributes: Mapping[str, str]
    over_quota: bool
    community_answered: bool
    created_at: datetime
    updated_at: datetime
    policy_version_id: int | None
    messages: tuple[MessageDetail, ...]
    history: tuple[HistoryEntry, ...]
    sla: SlaState | None

    @classmethod
    def of(cls, v: TicketView) -> TicketDetail:
        return cls.model_validate(v)


TicketOut = Annotated[TicketDetail | TicketPublic, Field(discriminator="audience")]


def render_ticket(actor: Actor, view: TicketView) -> TicketDetail | TicketPublic:
    """The rendering the caller may see: the detail for staff, the public one otherwise."""
    return TicketDetail.of(view) if actor.is_staff else TicketPublic.of(view)


class TicketRowPublic(OutputModel):
    """A queue row as a contact sees it."""

    audience: Literal["contact"] = "contact"
    id: int
    number: int
    subject: str
    type: str
    priority: str
    status: str
    status_reason: str | None
    channel: str
    organization_id: int | None
    requester_id: int | None
    over_quota: bool
    created_at: datetime
    updated_at: datetime
    sla_state: str | None
    sla_due_at: datetime | None
    time_left: BusinessTime | None = Field(
        description="Business time to the earliest running deadline (negative once breached)."
    )


class TicketRow(TicketRowPublic):
    """A queue row as an agent sees it."""

    audience: Literal["agent"] = "agent"  # type: ignore[assignment]
    assignee_id: int | None
    team: str | None
    tags: tuple[str, ...]
    next_sla_event_at: datetime | None


TicketRowOut = Annotated[TicketRow | TicketRowPublic, Field(discriminator="audience")]


class TicketPage(OutputModel):
    items: list[TicketRowOut]
    limit: int
    offset: int

    @classmethod
    def of(cls, actor: Actor, rows: list[TicketSummary], *, limit: int, offset: int) -> TicketPage:
        items: list[TicketRow | TicketRowPublic] = [
            TicketRow.model_validate(r) if actor.is_staff else TicketRowPublic.model_validate(r)
            for r in rows
        ]
        return cls(items=items, limit=limit, offset=offset)
