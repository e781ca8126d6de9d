"""What a parsed e-mail is: frozen values, built by ``_parse.py`` and read by the intake
service and the adapters. Nothing here does I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AutoKind(StrEnum):
    """Mail written by a machine: it opens no ticket and is never answered."""

    AUTO_REPLY = "auto_reply"  # out of office, vacation, list robots (RFC 3834 and habits)
    BOUNCE = "bounce"  # a delivery report (RFC 3464) or a mailer daemon's notice


@dataclass(frozen=True, slots=True)
class Address:
    address: str  # lower-cased, as compared
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass(frozen=True, slots=True)
class MailAttachment:
    filename: str
    content_type: str
    size: int  # bytes of the decoded content
    #: the decoded bytes, or None when over the limits (``dropped`` says why)
    content: bytes | None
    inline: bool = False
    content_id: str | None = None
    dropped: str | None = None


@dataclass(frozen=True, slots=True)
class BouncedRecipient:
    address: str
    action: str  # failed | delayed | delivered | relayed | expanded
    status: str  # "5.1.1"
    diagnostic: str = ""

    @property
    def permanent(self) -> bool:
        return self.action == "failed" or self.status.startswith("5")


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a message is kept beyond its raw bytes (which are always kept)."""

    message_bytes: int = 25 * 1024 * 1024  # larger messages are refused whole
    attachment_bytes: int = 10 * 1024 * 1024
    attachments_total_bytes: int = 20 * 1024 * 1024
    attachments: int = 50


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """One RFC 822 message as sladesk reads it. ``raw`` is always the bytes received."""

    raw: bytes
    #: without angle brackets; None when the message has none (the intake derives one)
    message_id: str | None
    sender: Address | None  # From (the first), else Sender, else Return-Path
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    subject: str
    date: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    #: the new text: quoted earlier replies and the signature folded away
    text: str
    #: the whole text body, quotes and signature included
    full_text: str
    #: the HTML body, sanitised (remote images removed), or None when the mail had none
    html: str | None
    attachments: tuple[MailAttachment, ...]
    auto: AutoKind | None
    #: why ``auto`` was decided ("Auto-Submitted: auto-replied", "multipart/report"...)
    auto_reason: str
    bounced: tuple[BouncedRecipient, ...]
    #: the Message-ID of the message a delivery report is about, if it says
    bounced_message_id: str | None
    #: what the parser had to guess or repair (a charset lie, a broken part...)
    defects: tuple[str, ...]
    #: set when the message could not be read at all: only ``raw`` is meaningful then
    error: str | None = None

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The Message-IDs this message answers, nearest first."""
        seen: dict[str, None] = dict.fromkeys(self.in_reply_to)
        seen.update(dict.fromkeys(reversed(self.references)))
        return tuple(seen)
