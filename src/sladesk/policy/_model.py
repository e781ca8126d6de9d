"""The policy model: what a validated policy file means, as frozen values.

A policy file (YAML, see docs/policies.md) is parsed and validated by ``_load.py`` into these
types. Nothing here parses text or touches I/O; evaluation (``sladesk.sla``) and the services
read only these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sladesk.calendar import Duration

if TYPE_CHECKING:
    from sladesk.calendar import Calendar
    from sladesk.policy._oncall import Closing, OnCallPolicy

#: Localised text: locale code ("en", "es", "pt") -> text.
Text = Mapping[str, str]


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"
    PERIODIC_UPDATE = "periodic_update"


class StartEvent(StrEnum):
    CREATED = "created"  # the customer's communication
    ACCEPTED = "accepted"  # support accepts the ticket (Blip Go!)


class Fulfilment(StrEnum):
    PUBLIC_REPLY = "public_reply"  # first public agent reply
    ASSIGNMENT = "assignment"  # assignment to an analyst (Aivo)
    SOLVED = "solved"  # the ticket is solved (resolution)


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Threshold:
    """A warning point: a fraction of the target used (``75%``) or a lead time before the
    deadline (``30m`` before due). Exactly one of ``fraction`` / ``lead`` is set."""

    text: str
    fraction: float | None = None
    lead: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """An escalation step. ``kind`` is one of ``notify`` (``to`` = ``role:<role>``,
    ``agent:<email>``, ``assignee``, ``dedicated_agent``, ``team:<team>``), ``page``
    (``to`` = ``on_call``), ``move_to_team`` (``to`` = team/tier name), ``set_priority``
    (``to`` = priority key), ``tell_customer`` (``to`` = message key, e.g.
    ``deadline_at_risk``), ``webhook`` (``to`` = endpoint name)."""

    kind: str
    to: str


@dataclass(frozen=True, slots=True)
class PauseCondition:
    """A status that pauses a target, optionally only for one status reason
    (``on_hold:partner_outage``)."""

    status: Status
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    metric: Metric
    calendar: str  # name in Policy.calendars
    durations: Mapping[str, Duration]  # priority key -> duration; a missing key = no target
    start: StartEvent = StartEvent.CREATED
    fulfilled_by: Fulfilment = Fulfilment.PUBLIC_REPLY
    pause_on: tuple[PauseCondition, ...] = ()
    warn: tuple[Threshold, ...] = ()
    on_warning: tuple[Action, ...] = ()
    on_breach: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class Conditions:
    """All given keys must hold; each key holds when the ticket has any of the listed values
    (for set-valued facts, addons and tags: any listed value is among the ticket's).
    An empty Conditions matches every ticket."""

    types: frozenset[str] | None = None
    priorities: frozenset[str] | None = None
    plans: frozenset[str] | None = None
    addons: frozenset[str] | None = None
    channels: frozenset[str] | None = None
    organizations: frozenset[str] | None = None
    tags: frozenset[str] | None = None
    attributes: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    when: Conditions
    targets: tuple[Target, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Priority:
    key: str
    label: Text
    definition: Text  # shown to the person filing, in their locale


@dataclass(frozen=True, slots=True)
class TicketType:
    key: str
    label: Text
    definition: Text
    under_sla: bool = True
    #: False: tickets of this type are not counted in, nor refused by, a plan's monthly
    #: ``ticket_quota`` (Infraspeak's technical-service requests)
    counts_toward_quota: bool = True
    #: a message key: the text sent to the customer when a ticket of this type is filed
    #: (Infraspeak: ``technical_service_quote``)
    answer: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    key: str
    label: Text
    support: bool = True  # False: community/help-centre only
    ticket_quota: int | None = None  # tickets per calendar month; None = unlimited
    channels: frozenset[str] | None = None  # None = every channel of the policy
    #: types answered with the community/help-centre link instead of by support
    community_types: frozenset[str] = frozenset()
    #: calendar months a closed ticket's content is kept (``retention_months``); ``None``:
    #: the policy's own ``retention_months`` applies
    retention_months: int | None = None


@dataclass(frozen=True, slots=True)
class Addon:
    key: str
    label: Text
    plans: frozenset[str] | None = None  # plans that may buy it; None = any
    #: free-form facts shown to agents and customers (price, on-call phone...)
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Maintenance:
    """The policy's maintenance windows (``maintenance:``): the recurring windows are the open
    time of ``calendar`` (a calendar of the policy, the calendar language: Blip Go!'s
    ``23:00-05:00`` in ``Etc/GMT+3``); admins schedule one-off windows beside them. Customers
    are told ``notice_before`` ahead of a window (portal banner; mail) and again when it
    starts. ``mail_recurring``: whether the recurring windows are mailed too (a daily window
    mailed every day would be noise: by default only the banner shows them)."""

    calendar: str | None
    notice_before: timedelta
    text: Text = field(default_factory=dict)  # what the window means to customers
    mail_recurring: bool = False
    notify_at_start: bool = True


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """Who gets a ticket (``routing:`` in the file): the first rule whose ``when`` holds
    decides, at creation and on escalation (``on``).

    ``to`` is ``dedicated_agent`` (the organisation's named agent), ``agent:<email>`` or
    ``team:<team>`` (the team, and its available member with the fewest open tickets);
    ``backup`` is where the ticket goes when ``to`` is an agent who is away:
    ``backup_agent`` (the organisation's named backup), ``agent:<email>`` or ``team:<team>``.
    """

    name: str
    when: Conditions
    to: str
    backup: str | None = None
    on: frozenset[str] = frozenset({"created", "escalated"})


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """Booked calls with the dedicated agent (``calls:`` in the file).

    Slots are ``length`` long, inside ``calendar`` (the agent's working hours), at least
    ``notice`` after now and at most ``horizon_days`` ahead, minus the agent's booked calls
    and absences. ``addons``: the organisations that may book (None: every one with a
    dedicated agent). ``review_every_months``: a review call is proposed every that many
    calendar months (None: no review calls), ``review_length`` long, in the first free slot
    ``review_lead_days`` or more after the proposal."""

    calendar: str
    length: timedelta = timedelta(minutes=30)
    notice: timedelta = timedelta(hours=2)
    horizon_days: int = 14
    addons: frozenset[str] | None = None
    review_every_months: int | None = None
    review_length: timedelta = timedelta(minutes=30)
    review_lead_days: int = 7


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    version: str
    locales: tuple[str, ...]
    calendars: Mapping[str, Calendar]
    priorities: tuple[Priority, ...]  # most urgent first
    default_priority: str
    types: Mapping[str, TicketType]
    plans: Mapping[str, Plan]
    addons: Mapping[str, Addon]
    channels: frozenset[str]
    rules: tuple[Rule, ...]
    binding: bool = True  # Infraspeak: targets are goals, not guarantees
    community_url: str | None = None
    help_center_url: str | None = None
    #: customer-facing message texts by key (e.g. ``deadline_at_risk``, ``quota_exceeded``)
    messages: Mapping[str, Text] = field(default_factory=dict)
    #: calendar months a closed ticket's content is kept when its plan sets none; ``None``:
    #: kept for ever (Blip Go!: 3, "solo ... los últimos 3 meses")
    retention_months: int | None = None
    #: maintenance windows and their notices; ``None``: the policy declares none
    maintenance: Maintenance | None = None
    #: who gets a new or escalated ticket (LiveAgent VIP: the dedicated agent, seniors)
    routing: tuple[RoutingRule, ...] = ()
    #: booked and review calls with the dedicated agent (LiveAgent VIP)
    calls: CallPolicy | None = None
    source_text: str = ""  # the file as written, kept for publishing and audit
    #: the on-call rotation's shape and re-page delay (Aivo's 24x7 add-on); None: no on-call
    on_call: OnCallPolicy | None = None
    #: causes whose closing needs evidence, and the message then sent (Aivo)
    closing: Closing | None = None

    def dedicated_agent_addons(self) -> frozenset[str]:
        """The add-ons that come with an organisation's dedicated agent (LiveAgent's VIP):
        those ``calls:`` names and those in the ``when`` of the routing rules to
        ``dedicated_agent``. Empty: the policy ties no add-on to a dedicated agent (a VIP
        direct chat is then offered to nobody)."""
        found = set(self.calls.addons or ()) if self.calls is not None else set()
        for rule in self.routing:
            if rule.to == "dedicated_agent" and rule.when.addons:
                found.update(rule.when.addons)
        return frozenset(found)

    def priority_rank(self, key: str) -> int:
        """0 for the most urgent level."""
        for i, p in enumerate(self.priorities):
            if p.key == key:
                return i
        raise KeyError(key)
