"""Pure ticket rules: who may do what to a ticket, and which events that makes.

No I/O, no clock: ``decide_<command>(state, actor, ..., now=now) -> list[Event]`` either
returns the events a command produces or raises :class:`TicketRuleError`. Also here: the
status machine, entitlements (quota, community-only plans, channels), visibility, which
addresses mail can reach, what an attachment's name and media type are stored as, and what
input can be stored at all.
"""

from sladesk.tickets._actor import Actor, ActorKind, Role, Scope
from sladesk.tickets._addresses import RESERVED_MAIL_DOMAIN, mail_reachable
from sladesk.tickets._attachments import clean_content_type, clean_filename
from sladesk.tickets._authorship import Authorship, first_message_authorship
from sladesk.tickets._calls import Slot, check_slot, free_slots, review_period
from sladesk.tickets._decide import (
    check_attach,
    decide_accept,
    decide_assign,
    decide_attributes_change,
    decide_call,
    decide_close,
    decide_create,
    decide_internal_note,
    decide_priority_change,
    decide_reopen,
    decide_reply,
    decide_solve,
    decide_status_change,
    decide_type_change,
)
from sladesk.tickets._entitlements import (
    Entitlement,
    check_entitlement,
    quota_month,
    subscription_problems,
)
from sladesk.tickets._errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    TicketRuleError,
)
from sladesk.tickets._input import (
    MAX_ID,
    check_id,
    check_storable_text,
    unstorable_reason,
)
from sladesk.tickets._maintenance import (
    MaintenanceNotice,
    MaintenanceWindow,
    banner_window,
    maintenance_notices_due,
    next_window,
    recurring_key,
    upcoming_windows,
)
from sladesk.tickets._proposals import (
    NOTIFY_ON,
    PROPOSAL_TRANSITIONS,
    ProposalStatus,
    StatusDecision,
    check_proposal_text,
    decide_proposal_status,
    proposer_label,
)
from sladesk.tickets._retention import (
    RetentionCandidate,
    RetentionDecision,
    add_months,
    decide_retention,
    purgeable,
    retention_months,
)
from sladesk.tickets._routing import (
    AgentAvailability,
    Route,
    RoutingPeople,
    absence_span,
    pick_team_member,
    route_ticket,
)
from sladesk.tickets._state import TicketState, apply
from sladesk.tickets._status import TRANSITIONS, check_transition, parse_status
from sladesk.tickets._visibility import (
    CONTACT_HISTORY_KINDS,
    can_see_event,
    can_see_message,
    contact_sees_event,
)

__all__ = [
    "NOTIFY_ON",
    "PROPOSAL_TRANSITIONS",
    "RESERVED_MAIL_DOMAIN",
    "ProposalStatus",
    "StatusDecision",
    "check_proposal_text",
    "decide_proposal_status",
    "proposer_label",
    "CONTACT_HISTORY_KINDS",
    "MAX_ID",
    "TRANSITIONS",
    "Actor",
    "ActorKind",
    "AgentAvailability",
    "AuthenticationFailed",
    "Authorship",
    "Conflict",
    "Entitlement",
    "Forbidden",
    "InvalidRequest",
    "NotFound",
    "RetentionCandidate",
    "RetentionDecision",
    "Role",
    "Route",
    "RoutingPeople",
    "Scope",
    "Slot",
    "TicketRuleError",
    "TicketState",
    "absence_span",
    "add_months",
    "apply",
    "can_see_event",
    "can_see_message",
    "check_attach",
    "check_entitlement",
    "check_id",
    "check_slot",
    "check_storable_text",
    "check_transition",
    "clean_content_type",
    "clean_filename",
    "contact_sees_event",
    "decide_accept",
    "decide_assign",
    "decide_attributes_change",
    "decide_call",
    "decide_close",
    "decide_create",
    "decide_internal_note",
    "decide_priority_change",
    "decide_reopen",
    "decide_reply",
    "decide_retention",
    "decide_solve",
    "decide_status_change",
    "decide_type_change",
    "first_message_authorship",
    "free_slots",
    "parse_status",
    "pick_team_member",
    "purgeable",
    "mail_reachable",
    "quota_month",
    "retention_months",
    "review_period",
    "route_ticket",
    "subscription_problems",
    "unstorable_reason",
    "MaintenanceNotice",
    "MaintenanceWindow",
    "banner_window",
    "maintenance_notices_due",
    "next_window",
    "recurring_key",
    "upcoming_windows",
]
