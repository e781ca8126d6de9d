"""The e-mail channel's records and the dead letters, as admins read them."""

from __future__ import annotations

from datetime import datetime

from sladesk.api.schemas._base import OutputModel


class MailRecordPublic(OutputModel):
    id: int
    message_id: str
    direction: str
    status: str
    mailbox: str | None
    sender: str
    rcpt: str | None
    subject: str
    ticket_id: int | None
    ticket_number: int | None
    size: int
    created_at: datetime
    reason: str | None
    attempts: int | None


class DeadLetterPublic(OutputModel):
    id: int
    kind: str
    key: str
    attempts: int
    last_error: str | None
    failed_at: datetime
    ticket_id: int | None
    ticket_number: int | None
    recipient: str | None
