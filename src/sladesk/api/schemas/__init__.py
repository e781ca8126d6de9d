"""Request and response bodies, named by role: ``*Create``/``*Change`` come in, ``*Public``
(what anyone allowed may see) and ``*Detail`` (what staff see) go out."""

from sladesk.api.schemas._base import Id, Instant, Text
from sladesk.api.schemas.attachments import AttachmentPublic
from sladesk.api.schemas.compliance import CompliancePublic, MetricCompliancePublic
from sladesk.api.schemas.health import Health
from sladesk.api.schemas.people import (
    AgentCreate,
    AgentPublic,
    AgentUpdate,
    ContactCreate,
    ContactPublic,
    ContactUpdate,
    OrganizationCreate,
    OrganizationPublic,
    OrganizationUpdate,
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
    "AgentUpdate",
    "AssignmentChange",
    "AttachmentPublic",
    "CallCreate",
    "CompliancePublic",
    "ContactCreate",
    "ContactPublic",
    "ContactUpdate",
    "Health",
    "Id",
    "Instant",
    "MetricCompliancePublic",
    "NoteCreate",
    "OrganizationCreate",
    "OrganizationPublic",
    "OrganizationUpdate",
    "PolicyCheckPublic",
    "PolicySubmit",
    "PolicyVersionPublic",
    "PolicyVersionSummary",
    "PriorityChange",
    "ReplyCreate",
    "StatusChange",
    "Text",
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
