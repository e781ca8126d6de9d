"""The store: SQLAlchemy 2 tables, Alembic migrations, the engine factory, the unit of work
and its repositories. One schema for SQLite (the embedded default) and PostgreSQL.

Nothing here runs at import: :func:`make_engine` and :func:`upgrade` are called by an entry
point (``sladesk serve``, ``sladesk db upgrade``, a test fixture) through ``bootstrap``.
"""

from sladesk.store._caches import Caches
from sladesk.store._codec import (
    event_data,
    event_from_row,
    facts_from_data,
    sla_events,
)
from sladesk.store._engine import make_engine, make_sqlite_writer
from sladesk.store._errors import WriteConflict
from sladesk.store._migrate import upgrade
from sladesk.store._repo_attachments import AttachmentRow
from sladesk.store._repo_audience import TicketAudience
from sladesk.store._repo_channels import (
    ChannelAddressRow,
    ChannelDeliveryRow,
    ChannelRepository,
    ChannelTemplateRow,
)
from sladesk.store._repo_chat import ChatMessageRecord, ChatRepository, ChatSessionRecord
from sladesk.store._repo_console import CannedReplyRow, ConsoleRepository, SavedViewRow
from sladesk.store._repo_imports import ImportLinkRepository, LinkRow
from sladesk.store._repo_incidents import (
    IncidentLink,
    IncidentRecord,
    IncidentRepository,
    IncidentUpdateRecord,
    MaintenanceRepository,
    NoticeRecord,
    ScheduledWindowRow,
    WindowAudience,
)
from sladesk.store._repo_intake import CustomerOrganization, Intake, Requester
from sladesk.store._repo_invitations import Invitation, InvitationRepository
from sladesk.store._repo_mail import BouncingAddress, MailPerson, MailRecord, MailRepository
from sladesk.store._repo_oncall import MemberRow, OnCallRepository, OverrideRow, PageRow
from sladesk.store._repo_phone import PhoneCaller, PhoneRepository
from sladesk.store._repo_proposals import (
    LinkedTicket,
    NoticeRow,
    ProposalCommentRow,
    ProposalRepository,
    ProposalRow,
    SubscriberRow,
)
from sladesk.store._repo_reports import (
    COLUMNAR_FROM,
    REPORT_DIMENSIONS,
    TIME_DIMENSIONS,
    CellTicket,
    ReportCell,
    ReportRepository,
)
from sladesk.store._repo_retention import (
    ClosedTicket,
    HoldRow,
    PurgeRecord,
    RetentionRepository,
)
from sladesk.store._repo_sweep import Projected
from sladesk.store._repo_tickets import OpenTarget, queue_columns
from sladesk.store._repo_tokens import TokenOwner
from sladesk.store._repo_vip import (
    AbsenceRow,
    AgentRow,
    BookingRow,
    OrganizationPeople,
    VipRepository,
)
from sladesk.store._report_chunks import CHUNK_TICKETS, ChunkInfo, ReportChunkRepository
from sladesk.store._search import SearchMatches, search_terms
from sladesk.store._tables import (
    Agent,
    ApiToken,
    Contact,
    Organization,
    OutboxMessage,
    PolicyVersion,
)
from sladesk.store._ticket_gateway import TicketGateway
from sladesk.store._ticket_values import (
    AuditRow,
    DueTicket,
    HistoryEntry,
    NewMessage,
    NewTicketRecord,
    OutboxEntry,
    ReplaySource,
    StoredMessage,
    StoredTicket,
    SweptTicket,
    TicketChange,
)
from sladesk.store.uow import UnitOfWork

__all__ = [
    "ImportLinkRepository",
    "LinkRow",
    "REPORT_DIMENSIONS",
    "TIME_DIMENSIONS",
    "CellTicket",
    "ReportCell",
    "ReportRepository",
    "ReportChunkRepository",
    "ChunkInfo",
    "CHUNK_TICKETS",
    "COLUMNAR_FROM",
    "Agent",
    "ApiToken",
    "AttachmentRow",
    "AuditRow",
    "BouncingAddress",
    "Caches",
    "CannedReplyRow",
    "ConsoleRepository",
    "ChannelAddressRow",
    "ChannelDeliveryRow",
    "ChannelRepository",
    "ChannelTemplateRow",
    "Contact",
    "CustomerOrganization",
    "DueTicket",
    "HistoryEntry",
    "ChatMessageRecord",
    "ChatRepository",
    "ChatSessionRecord",
    "IncidentLink",
    "IncidentRecord",
    "IncidentRepository",
    "IncidentUpdateRecord",
    "MaintenanceRepository",
    "NoticeRecord",
    "OpenTarget",
    "ScheduledWindowRow",
    "WindowAudience",
    "Intake",
    "Invitation",
    "InvitationRepository",
    "NewMessage",
    "NewTicketRecord",
    "Organization",
    "OutboxEntry",
    "OutboxMessage",
    "PolicyVersion",
    "Projected",
    "ReplaySource",
    "Requester",
    "SavedViewRow",
    "SearchMatches",
    "StoredMessage",
    "StoredTicket",
    "SweptTicket",
    "MailPerson",
    "MailRecord",
    "MailRepository",
    "PhoneCaller",
    "PhoneRepository",
    "MemberRow",
    "OnCallRepository",
    "OverrideRow",
    "PageRow",
    "ClosedTicket",
    "LinkedTicket",
    "NoticeRow",
    "ProposalCommentRow",
    "ProposalRepository",
    "ProposalRow",
    "SubscriberRow",
    "HoldRow",
    "PurgeRecord",
    "RetentionRepository",
    "AbsenceRow",
    "AgentRow",
    "BookingRow",
    "OrganizationPeople",
    "VipRepository",
    "TicketAudience",
    "TicketChange",
    "TicketGateway",
    "TokenOwner",
    "UnitOfWork",
    "WriteConflict",
    "event_data",
    "event_from_row",
    "facts_from_data",
    "make_engine",
    "make_sqlite_writer",
    "queue_columns",
    "search_terms",
    "sla_events",
    "upgrade",
]
