"""The e-mail channel's records and the dead letters, as admins read them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from sladesk.api.schemas._base import InputModel, OutputModel


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


class BounceClear(InputModel):
    """The address whose bouncing mark an admin clears."""

    address: Annotated[str, StringConstraints(min_length=3, max_length=320)]
