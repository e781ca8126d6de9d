"""Request and response bodies, named by role: ``*Create``/``*Change`` come in, ``*Public``
(what anyone allowed may see) and ``*Detail`` (what staff see) go out."""

from sladesk.api.schemas.compliance import CompliancePublic, MetricCompliancePublic
from sladesk.api.schemas.health import Health
from sladesk.api.schemas.people import (
    AgentCreate,
    AgentPublic,
    ContactCreate,
    ContactPublic,
    OrganizationCreate,
    OrganizationPublic,
)
from sladesk.api.schemas.policies import (
    PolicyCheckPublic,
    PolicySubmit,
    PolicyVersionPublic,
    PolicyVersionSummary,
)
from sladesk.api.schemas.tickets import (
    AssignmentChange,
    CallCreate,
    NoteCreate,
    PriorityChange,
    ReplyCreate,
    StatusChange,
    TicketCreate,
    TicketDetail,
    TicketOut,
    TicketPage,
    TicketPublic,
    TicketRow,
    TicketRowPublic,
    Transition,
    TypeChange,
    render_ticket,
)

__all__ = [
    "AgentCreate",
    "AgentPublic",
    "AssignmentChange",
    "CallCreate",
    "CompliancePublic",
    "ContactCreate",
    "ContactPublic",
    "Health",
    "MetricCompliancePublic",
    "NoteCreate",
    "OrganizationCreate",
    "OrganizationPublic",
    "PolicyCheckPublic",
    "PolicySubmit",
    "PolicyVersionPublic",
    "PolicyVersionSummary",
    "PriorityChange",
    "ReplyCreate",
    "StatusChange",
    "TicketCreate",
    "TicketDetail",
    "TicketOut",
    "TicketPage",
    "TicketPublic",
    "TicketRow",
    "TicketRowPublic",
    "Transition",
    "TypeChange",
    "render_ticket",
]
