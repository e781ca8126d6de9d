"""Use cases: one function, one transaction each. Adapters (API, CLI, jobs) call these only.

Every use case takes ``(uow, clock, actor, ...)``: a :class:`~sladesk.store.UnitOfWork` (one
per call or per thread; ``bootstrap(settings).uow()`` builds one), the injected
:class:`~sladesk.services.clock.Clock` (read once per call), and the authenticated
:class:`Actor`. They return frozen views and raise the errors of :mod:`sladesk.tickets`
(``NotFound``, ``Forbidden``, ``TicketRuleError``, ``InvalidRequest``, ``Conflict``,
``AuthenticationFailed``) or :class:`sladesk.errors.PolicyError`; on any error nothing is
written.
"""

from sladesk.services._compliance import compliance_summary
from sladesk.services._people import (
    create_agent,
    create_contact,
    create_organization,
    get_organization,
    list_agents,
    list_contacts,
    list_organizations,
)
from sladesk.services._policies import (
    get_current_policy,
    list_policy_versions,
    publish_policy,
    validate_policy,
)
from sladesk.services._sweep import sweep_sla
from sladesk.services._tickets_read import get_ticket, list_tickets
from sladesk.services._tickets_write import (
    accept_ticket,
    add_internal_note,
    assign_ticket,
    change_priority,
    change_status,
    change_type,
    close_ticket,
    create_ticket,
    log_call,
    reopen_ticket,
    reply_publicly,
    solve_ticket,
)
from sladesk.services._tokens import authenticate_token, create_api_token, revoke_api_token
from sladesk.services._views import (
    AgentView,
    ComplianceSummary,
    ContactView,
    EventView,
    IssuedToken,
    MessageView,
    MetricCompliance,
    NewAgent,
    NewContact,
    NewOrganization,
    NewTicket,
    OrganizationView,
    PolicyCheck,
    PolicyVersionView,
    SweepReport,
    TicketFilters,
    TicketSummary,
    TicketView,
    TokenView,
)
from sladesk.services.clock import Clock, FixedClock, SystemClock
from sladesk.tickets import (
    Actor,
    ActorKind,
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    Role,
    Scope,
    TicketRuleError,
)

__all__ = [
    "Actor",
    "ActorKind",
    "AgentView",
    "AuthenticationFailed",
    "Clock",
    "ComplianceSummary",
    "Conflict",
    "ContactView",
    "EventView",
    "FixedClock",
    "Forbidden",
    "InvalidRequest",
    "IssuedToken",
    "MessageView",
    "MetricCompliance",
    "NewAgent",
    "NewContact",
    "NewOrganization",
    "NewTicket",
    "NotFound",
    "OrganizationView",
    "PolicyCheck",
    "PolicyVersionView",
    "Role",
    "Scope",
    "SweepReport",
    "SystemClock",
    "TicketFilters",
    "TicketRuleError",
    "TicketSummary",
    "TicketView",
    "TokenView",
    "accept_ticket",
    "add_internal_note",
    "assign_ticket",
    "authenticate_token",
    "change_priority",
    "change_status",
    "change_type",
    "close_ticket",
    "compliance_summary",
    "create_agent",
    "create_api_token",
    "create_contact",
    "create_organization",
    "create_ticket",
    "get_current_policy",
    "get_organization",
    "get_ticket",
    "list_agents",
    "list_contacts",
    "list_organizations",
    "list_policy_versions",
    "list_tickets",
    "log_call",
    "publish_policy",
    "reopen_ticket",
    "reply_publicly",
    "revoke_api_token",
    "solve_ticket",
    "sweep_sla",
    "validate_policy",
]
