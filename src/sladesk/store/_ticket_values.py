"""What the ticket gateway (:class:`~sladesk.store.TicketGateway`) takes and gives back:
frozen values in the core's terms (a :class:`~sladesk.tickets.TicketState`, the
:class:`~sladesk.sla.TicketFacts`, :class:`~sladesk.sla.Event` lists, an
:class:`~sladesk.sla.Evaluation`), never a table, a row object or a column dict. A service
that writes a ticket builds these; the gateway chooses the statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sladesk.sla import Evaluation, Event, EventLog, TicketFacts
from sladesk.store._codec import event_data
from sladesk.store._repo_audience import TicketAudience
from sladesk.tickets import TicketState

__all__ = [
    "AuditRow",
    "DueTicket",
    "HistoryEntry",
    "NewMessage",
    "NewTicketRecord",
    "OutboxEntry",
    "ReplaySource",
    "StoredMessage",
    "StoredTicket",
    "SweptTicket",
    "TicketChange",
]

#: an outbox message to queue: (kind, dedupe key, payload)
OutboxEntry = tuple[str, str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class StoredTicket:
    """A ticket as stored: its state as the rules see it, the facts SLA rules match on, the
    policy version it is evaluated under, the position of its last history entry, and the
    queue columns (worst SLA state, earliest open deadline, next SLA instant). ``facts`` is
    None when what is stored cannot be read as facts (such a ticket cannot be evaluated)."""

    id: int
    number: int
    subject: str
    channel: str
    state: TicketState
    facts: TicketFacts | None
    attributes: Mapping[str, Any]
    policy_version_id: int | None
    over_quota: bool
    community_answered: bool
    created_at: datetime
    updated_at: datetime
    last_seq: int
    sla_state: str | None
    sla_due_at: datetime | None
    next_sla_event_at: datetime | None

    # what a side effect tells of its ticket (``services/_effects.py``'s ``TicketFields``)
    @property
    def status(self) -> str:
        return self.state.status.value

    @property
    def priority(self) -> str:
        return self.state.priority

    @property
    def type(self) -> str:
        return self.state.type

    @property
    def organization_id(self) -> int | None:
        return self.state.organization_id

    @property
    def requester_id(self) -> int | None:
        return self.state.requester_id

    @property
    def assignee_id(self) -> int | None:
        return self.state.assignee_id

    @property
    def team(self) -> str | None:
        return self.state.team


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One entry of a ticket's append-only history. SLA events are stored with their
    fields as ``data`` (``store/_codec.py``); other kinds (``quota_exceeded``,
    ``sla.breached``...) carry their own data. ``seq`` is 0 until stored: the gateway numbers
    a ticket's entries after its ``last_seq``."""

    kind: str
    at: datetime
    actor: str
    data: Mapping[str, Any]
    seq: int = 0


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to store on a ticket (``body_html`` already cleaned). ``channel`` and
    ``external_id``: its identity on the channel it came by (an e-mail's Message-ID),
    unique per channel; None for a message written in sladesk. The gateway writes every
    field of this value to the column of the same name."""

    author_kind: str
    author_id: int | None
    author_name: str
    public: bool
    kind: str  # reply | note | call
    body: str
    body_html: str
    created_at: datetime
    call_summary: str | None = None
    #: the contact an agent (or the system) wrote for: a ticket filed from a call, an e-mail
    on_behalf_of_id: int | None = None
    on_behalf_of_name: str | None = None
    channel: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A stored message: every field is the column of the same name."""

    id: int
    ticket_id: int
    author_kind: str
    author_id: int | None
    author_name: str
    public: bool
    kind: str
    body: str
    body_html: str
    call_summary: str | None
    created_at: datetime
    on_behalf_of_id: int | None = None
    on_behalf_of_name: str | None = None
    channel: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An audit entry to write: ``action`` is a dotted code (``sladesk.ticket.created``)."""

    at: datetime
    actor: str
    action: str
    data: dict[str, Any]
    ticket_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewTicketRecord:
    """A ticket decided in full before it is written: its state after creation, the facts,
    its first history entries (numbered 1..n in order), its messages and its SLA evaluation
    (None: no SLA). ``idempotency``: the (key, actor, request fingerprint) a repeated
    request is answered by."""

    subject: str
    channel: str
    state: TicketState
    facts: TicketFacts
    attributes: Mapping[str, Any]
    policy_version_id: int | None
    over_quota: bool
    community_answered: bool
    at: datetime
    history: Sequence[HistoryEntry]
    messages: Sequence[NewMessage]
    evaluation: Evaluation | None
    idempotency: tuple[str, str, str] | None = None


@dataclass(frozen=True, slots=True)
class TicketChange:
    """A change to a stored ticket: SLA ``events`` appended to its history by ``actor`` at
    ``at``, the ``state`` they lead to (None: the row's state stays, and so does its
    ``updated_at``), the ``evaluation`` after them (None: no SLA), and optionally the policy
    version the ticket is bound to from now on."""

    at: datetime
    actor: str
    evaluation: Evaluation | None
    events: Sequence[Event] = ()
    state: TicketState | None = None
    policy_version_id: int | None = None

    def entries(self, *, after: int) -> list[HistoryEntry]:
        """The history entries the events are stored as, numbered after ``after`` (the
        ticket's ``last_seq`` before the change)."""
        return [
            HistoryEntry(e.kind.value, e.at, self.actor, event_data(e), seq)
            for seq, e in enumerate(self.events, start=after + 1)
        ]


@dataclass(frozen=True, slots=True)
class DueTicket:
    """A ticket the sweep claimed (``TicketGateway.claim_due``), with who its escalations
    go to and in which language (``audience``: the organisation's dedicated agent, the
    locale and time zone)."""

    ticket: StoredTicket
    audience: TicketAudience


@dataclass(frozen=True, slots=True)
class SweptTicket:
    """One ticket of a sweep batch, as :meth:`TicketGateway.apply_batch` writes it: the new
    history ``entries`` (numbered after the ticket's ``last_seq``), its ``evaluation`` and
    the instant the sweep looks at it next. ``failed``: it could not be evaluated; its SLA
    rows stay as they are and only ``next_check_at`` moves."""

    ticket: StoredTicket
    evaluation: Evaluation | None
    next_check_at: datetime | None
    entries: Sequence[HistoryEntry] = field(default=())
    failed: bool = False


class ReplaySource(NamedTuple):
    """A stored ticket as a back-test replays it (``TicketGateway.replay_page``): what
    evaluation and grouping read, its SLA events (an :class:`~sladesk.sla.EventLog` read
    from its packed history; a list read from its history rows when it has none) and its
    recorded projections. A tuple: thousands are built per page."""

    id: int
    number: int
    channel: str
    priority: str
    type: str
    team: str | None
    created_at: datetime
    facts: TicketFacts | None  # None: its stored facts cannot be read
    policy_version_id: int | None
    community_answered: bool
    history: EventLog | list[Event]
    #: its targets as last evaluated and stored, packed as read (no datetime per target): a
    #: line per target, ``metric\tstate\tdue_at in µs since the epoch (empty: none)\tbusiness
    #: time used in µs`` (:func:`~sladesk.sla.recorded_decisions` reads it); None when never
    #: projected
    projected: str | None
