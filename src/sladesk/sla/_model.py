"""Inputs and outputs of SLA evaluation, as frozen values.

``evaluate(policy, ticket, events, now)`` reads a ticket's facts as they were at creation and
its append-only event history, and answers the state of every target. These types are shared
by the live service, ``sladesk policy explain`` and back-tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What rules match on, as the ticket was created. Later changes arrive as events
    (``priority``, ``type``, ``attributes``, ``tags``)."""

    type: str
    priority: str
    plan: str | None = None
    addons: frozenset[str] = frozenset()
    channel: str | None = None
    organization: str | None = None
    tags: frozenset[str] = frozenset()
    attributes: Mapping[str, str] = field(default_factory=dict)


class EventKind(StrEnum):
    CREATED = "created"  # the customer's first communication
    ACCEPTED = "accepted"  # support accepts the ticket
    MESSAGE = "message"  # author customer|agent, public or internal
    ASSIGNED = "assigned"  # to an agent (and/or team)
    STATUS = "status"  # status (+ reason)
    PRIORITY = "priority"  # priority (+ reason the customer sees)
    TYPE = "type"  # ticket type changed
    ATTRIBUTES = "attributes"  # attributes / tags changed


class Author(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a ticket's history. Only the fields of its kind are set."""

    at: datetime  # aware
    kind: EventKind
    author: Author | None = None  # message
    public: bool = True  # message: False = internal note
    status: str | None = None  # status
    reason: str | None = None  # status (on_hold reason), priority (why)
    priority: str | None = None  # priority
    type: str | None = None  # type
    assignee: str | None = None  # assigned
    team: str | None = None  # assigned
    attributes: Mapping[str, str] = field(default_factory=dict)  # attributes (merged)
    tags: frozenset[str] | None = None  # attributes: the new tag set, if changed


class TargetState(StrEnum):
    PENDING = "pending"  # before its start event
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class Warning:
    threshold: str  # as written: "75%" or "30m"
    at: datetime | None  # the instant it is (or was) passed; None while paused/unknown
    passed: bool


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of a target's timeline for ``explain``: running, paused (with the status
    and reason that paused it), or stopped (solved, waiting for a customer message...)."""

    start: datetime
    end: datetime | None  # None = still going at ``now``
    kind: str  # "running" | "paused" | "stopped"
    why: str = ""  # e.g. "status pending_customer", "priority urgent -> high (reason)"
    due_at: datetime | None = None  # the deadline as it stood during this stretch
    used: timedelta = timedelta(0)  # business time used when this stretch began


@dataclass(frozen=True, slots=True)
class Cycle:
    """One measured stretch of a repeating target (``next_response``, ``periodic_update``)."""

    started_at: datetime
    due_at: datetime | None
    fulfilled_at: datetime | None
    breached_at: datetime | None
    state: TargetState


@dataclass(frozen=True, slots=True)
class TargetResult:
    """One target at ``now``. Its length (``target``, ``target_text``, ``priority``) is the
    one in effect while it is undecided and the one it was decided under once met or
    breached, so ``left == target - used`` always, ``left <= 0`` once breached, and
    ``due_at`` is the instant ``used`` reaches (reached, or would have reached) ``target``
    (docs/policies.md, "Evaluation rules")."""

    metric: str
    calendar: str
    #: business time of the target; for business-day targets the open time from start to the
    #: business-day deadline (so used + left == target always holds). None while pending.
    target: timedelta | None
    target_text: str  # "4h", "1bd": the duration as written of ``target``
    state: TargetState
    started_at: datetime | None
    #: running: the deadline; breached: when ``used`` reached ``target``; met: the deadline
    #: as it stood at the fulfilment (paused then: had the clock resumed at the fulfilment);
    #: None while paused or pending (see ``due_if_resumed_at``)
    due_at: datetime | None
    fulfilled_at: datetime | None
    breached_at: datetime | None
    used: timedelta  # business time used so far (or until fulfilment)
    left: timedelta | None  # business time left (negative when breached); None if pending
    warnings: tuple[Warning, ...] = ()
    cycles: tuple[Cycle, ...] = ()
    timeline: tuple[Segment, ...] = ()
    priority: str | None = None  # the priority whose duration ``target`` is
    #: the deadline if the clock resumed at ``now``: ``add(now, left)`` while paused, the
    #: ``due_at`` while running, None otherwise (pending, met, breached)
    due_if_resumed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    policy: str
    version: str
    rule: str | None  # None: no rule matches -> no SLA (reported as such)
    targets: tuple[TargetResult, ...]
    #: the earliest instant after ``now`` at which a warning or breach will happen if nothing
    #: else happens; the sweep job wakes the ticket then. None when nothing is running.
    next_event_at: datetime | None
    reason: str = ""  # why there is no SLA, e.g. "type feature_request is outside the SLA"
