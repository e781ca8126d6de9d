"""Files attached to a ticket, or to one of its messages.

The bytes are kept in the database (``attachments.content``); ``path`` stays None until files
can live on a storage of their own. Every read takes the caller's :class:`~sladesk.tickets.Scope`
(joined through the ticket) and whether internal notes may be seen: an attachment on an
internal note does not exist for a contact. A listing selects the metadata columns only, never
the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple, cast

from sqlalchemy import Select, Table, insert, or_, select

from sladesk.store._db import Repository
from sladesk.store._plain import plain
from sladesk.store._repo_tickets import scoped
from sladesk.store._tables import Attachment, Message, Ticket
from sladesk.tickets import NotFound, Scope

__all__ = ["AttachmentRepository", "AttachmentRow"]


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    """An attachment's metadata, as stored (no bytes)."""

    id: int
    ticket_id: int
    message_id: int | None
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


_ATTACHMENTS = cast(Table, Attachment.__table__)
_INSERT = plain(insert(_ATTACHMENTS).returning(_ATTACHMENTS.c.id))
_METADATA = (
    Attachment.id,
    Attachment.ticket_id,
    Attachment.message_id,
    Attachment.filename,
    Attachment.content_type,
    Attachment.size,
    Attachment.sha256,
    Attachment.created_at,
)


_Ts = TypeVarTuple("_Ts")


def _visible(
    stmt: Select[*_Ts], scope: Scope, ticket_id: int, *, include_internal: bool
) -> Select[*_Ts]:
    """``stmt`` (over attachments) kept to ``ticket_id`` within ``scope``; without
    ``include_internal``, attachments on an internal note are left out."""
    stmt = scoped(
        stmt.join(Ticket, Ticket.id == Attachment.ticket_id).where(
            Attachment.ticket_id == ticket_id
        ),
        scope,
    )
    if not include_internal:
        stmt = stmt.outerjoin(Message, Message.id == Attachment.message_id).where(
            or_(Attachment.message_id.is_(None), Message.public.is_(True))
        )
    return stmt


def _row(values: Any) -> AttachmentRow:
    id_, ticket_id, message_id, filename, content_type, size, sha256, created_at = values
    return AttachmentRow(
        id_, ticket_id, message_id, filename, content_type, size, sha256, created_at
    )


class AttachmentRepository(Repository):
    def insert(self, values: dict[str, Any]) -> int:
        """INSERT one attachment from its column values (everything but ``id``); its id."""
        return int(self.db.run(_INSERT, values).one()[0])

    def for_ticket(
        self, scope: Scope, ticket_id: int, *, include_internal: bool
    ) -> list[AttachmentRow]:
        """The ticket's attachments the caller may see, oldest first: metadata only."""
        stmt = _visible(select(*_METADATA), scope, ticket_id, include_internal=include_internal)
        return [_row(r) for r in self.db.execute(stmt.order_by(Attachment.id))]

    def get(
        self, scope: Scope, ticket_id: int, attachment_id: int, *, include_internal: bool
    ) -> tuple[AttachmentRow, bytes]:
        """One attachment of the ticket with its bytes; NotFound when it is not there or the
        caller may not see it (the two are not told apart)."""
        stmt = _visible(
            select(*_METADATA, Attachment.content), scope, ticket_id,
            include_internal=include_internal,
        ).where(Attachment.id == attachment_id)  # fmt: skip
        found = self.db.execute(stmt).first()
        if found is None:
            raise NotFound("attachment", attachment_id)
        content = found[-1]
        if content is None:  # kept at ``path``: file storage is not there yet
            raise RuntimeError(f"attachment {attachment_id} has no content in the database")
        return _row(found[:-1]), bytes(content)

    def message_public(self, ticket_id: int, message_id: int) -> bool | None:
        """Whether message ``message_id`` of this ticket is public; None when the ticket has
        no such message."""
        stmt = select(Message.public).where(
            Message.id == message_id, Message.ticket_id == ticket_id
        )
        public = self.db.execute(stmt).scalar_one_or_none()
        return None if public is None else bool(public)
