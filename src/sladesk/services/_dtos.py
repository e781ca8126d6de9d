"""What use cases return and take: plain frozen values, named by role (``NewTicket`` in,
``TicketView`` out), so adapters render them without touching the store's rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sladesk.errors import SpecError
from sladesk.sla import Evaluation

# ---------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class NewTicket:
    """A ticket as filed. A contact files for themself; an agent may file for a contact
    (``requester_id``) from a call, an e-mail... ``type``/``priority`` default from the
    policy (the policy's default priority; type ``question``... see create_ticket)."""

    subject: str
    body: str
    type: str | None = None
    priority: str | None = None
    channel: str = "portal"
    requester_id: int | None = None
    organization_id: int | None = None  # agents filing without a requester
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)
    body_html: str | None = None  # sanitised before it is stored


@dataclass(frozen=True, slots=True)
class NewOrganization:
    name: str
    slug: str
    plan: str | None = None
    addons: tuple[str, ...] = ()
    locale: str = "en"
    time_zone: str = "UTC"
    dedicated_agent_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewContact:
    organization_id: int
    email: str
    name: str
    locale: str | None = None
    password: str | None = None


@dataclass(frozen=True, slots=True)
class NewAgent:
    email: str
    name: str
    role: str = "agent"
    team: str | None = None
    password: str | None = None


class Unset(Enum):
    """A field a change did not send. ``None`` is a value of its own ("no plan", "no team"),
    so a change that leaves a field alone says :data:`UNSET`."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True, slots=True)
class OrganizationChanges:
    name: str | Unset = UNSET
    plan: str | None | Unset = UNSET
    addons: tuple[str, ...] | Unset = UNSET
    locale: str | Unset = UNSET
    time_zone: str | Unset = UNSET
    dedicated_agent_id: int | None | Unset = UNSET


@dataclass(frozen=True, slots=True)
class ContactChanges:
    name: str | Unset = UNSET
    email: str | Unset = UNSET
    locale: str | None | Unset = UNSET
    active: bool | Unset = UNSET
    password: str | Unset = UNSET


@dataclass(frozen=True, slots=True)
class AgentChanges:
    name: str | Unset = UNSET
    email: str | Unset = UNSET
    role: str | Unset = UNSET
    team: str | None | Unset = UNSET
    active: bool | Unset = UNSET
    password: str | Unset = UNSET


@dataclass(frozen=True, slots=True)
class TicketFilters:
    """Every given filter must hold; tuples hold when the ticket has any listed value."""

    status: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    organization_id: int | None = None
    requester_id: int | None = None
    assignee_id: int | None = None
    team: str | None = None
    channel: str | None = None
    sla_state: tuple[str, ...] = ()  # running|paused|met|breached|none
    over_quota: bool | None = None
    open_only: bool = False  # status not in solved/closed
    text: str | None = None  # subject contains (case-insensitive)
    unassigned: bool = False  # no agent assigned (the console's "unassigned" filter)
    #: full-text search: every word (as a prefix) in the subject or in one message the
    #: caller may see (internal notes: staff only); SQLite FTS5 or PostgreSQL tsvector
    search: str | None = None


# ---------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    author_kind: str  # contact | agent | system: who wrote it
    author_id: int | None
    author_name: str
    public: bool
    kind: str  # reply | note | call
    body: str
    body_html: str
    call_summary: str | None
    created_at: datetime
    on_behalf_of_id: int | None = None  # the contact an agent wrote for (a ticket filed
    on_behalf_of_name: str | None = None  # from a call or an e-mail); None: their own words


@dataclass(frozen=True, slots=True)
class EventView:
    """One history entry with its stable code (``status``, ``priority``...) and data;
    words come at render time."""

    seq: int
    at: datetime
    kind: str
    actor: str  # "agent:3", "contact:7", "system"
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TicketSummary:
    """A row of a queue. ``time_left`` is business time to the earliest running deadline
    (negative once breached), on that target's calendar, at the query's ``now``."""

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
    over_quota: bool
    created_at: datetime
    updated_at: datetime
    sla_state: str | None  # worst target state: breached > running > paused > met; None = no SLA
    sla_due_at: datetime | None  # earliest deadline among running targets
    time_left: timedelta | None
    next_sla_event_at: datetime | None


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as its caller may see it: contacts get no internal notes nor internal events.
    ``sla`` is evaluated at the call's ``now`` and carries the ``explain`` timeline of every
    target (``sla.targets[i].timeline``); None when no policy is published."""

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
    messages: tuple[MessageView, ...]
    history: tuple[EventView, ...]
    sla: Evaluation | None


@dataclass(frozen=True, slots=True)
class AttachmentView:
    """A file attached to a ticket (``message_id`` None) or to one of its messages. The
    ``filename`` is the cleaned one; ``size`` and ``sha256`` are of the stored bytes."""

    id: int
    ticket_id: int
    message_id: int | None
    filename: str
    content_type: str
    size: int
    sha256: str  # hex
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """An attachment with its bytes, for a download."""

    attachment: AttachmentView
    content: bytes


@dataclass(frozen=True, slots=True)
class OrganizationView:
    id: int
    name: str
    slug: str
    plan: str | None
    addons: tuple[str, ...]
    locale: str
    time_zone: str
    dedicated_agent_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ContactView:
    id: int
    organization_id: int
    email: str
    name: str
    locale: str | None
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AgentView:
    id: int
    email: str
    name: str
    role: str
    team: str | None
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    prefix: str
    name: str
    owner_kind: str  # agent | contact
    owner_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """The secret is shown here once and never stored: only its hash is."""

    token: TokenView
    secret: str


@dataclass(frozen=True, slots=True)
class PolicyVersionView:
    id: int
    name: str
    version: str
    effective_from: datetime
    published_by: str
    current: bool
    text: str
    reevaluated_tickets: int = 0  # set by publish_policy
    unchanged: bool = False  # publish_policy: the text was the current version's already


@dataclass(frozen=True, slots=True)
class MetricCompliance:
    metric: str
    with_target: int  # targets measured (running ones count once decided)
    met: int
    breached: int
    running: int
    paused: int
    compliance: float | None  # met / (met + breached); None when nothing decided


@dataclass(frozen=True, slots=True)
class ComplianceSummary:
    """Tickets created in [start, end) within the caller's scope, by metric."""

    start: datetime
    end: datetime
    tickets: int
    without_sla: int
    metrics: tuple[MetricCompliance, ...]
    by_priority: Mapping[str, tuple[MetricCompliance, ...]] = field(default_factory=dict)
    #: the current policy's ``binding``: False (Infraspeak) means its targets are goals, not
    #: guarantees, and every report labels them so (``targets_are``: ``targets`` | ``goals``)
    binding: bool = True
    targets_are: str = "targets"


@dataclass(frozen=True, slots=True)
class SweepReport:
    """One sweep pass: tickets looked at, milestones recorded (each exactly once across all
    runners), escalation actions queued in the outbox."""

    tickets: int
    warnings: int
    breaches: int
    actions: int


@dataclass(frozen=True, slots=True)
class PolicyCheck:
    """A policy file checked without publishing it: every problem, with file:line:col."""

    valid: bool
    errors: tuple[SpecError, ...]
    name: str | None = None
    version: str | None = None
