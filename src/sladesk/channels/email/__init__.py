"""The e-mail channel: mail in (the SMTP server of ``sladesk serve``, ``sladesk mail
ingest``, IMAP polling) through one intake service, and mail out (the outbox's mail sender).

``parse_message`` is pure: RFC 822 bytes in, a frozen :class:`ParsedMail` out.
"""

from sladesk.channels.email._imap import REFUSED_KEYWORD, ImapPoller, ImapSettings, PollRound
from sladesk.channels.email._intake import inbound_of, receive_mail, receive_mail_batch
from sladesk.channels.email._maintenance_mail import MaintenanceMailSender, compose_maintenance
from sladesk.channels.email._model import (
    Address,
    AutoKind,
    BouncedRecipient,
    Limits,
    MailAttachment,
    ParsedMail,
)
from sladesk.channels.email._outgoing import Notice, compose, read_notice
from sladesk.channels.email._parse import MailRefused, check_message, parse_message
from sladesk.channels.email._sender import MailSender, SmtpSettings
from sladesk.channels.email._smtp_server import IntakeHandler, MailServer, start_mail_server

__all__ = [
    "Address",
    "AutoKind",
    "BouncedRecipient",
    "ImapPoller",
    "ImapSettings",
    "IntakeHandler",
    "Limits",
    "MailAttachment",
    "MailRefused",
    "MailSender",
    "MaintenanceMailSender",
    "MailServer",
    "Notice",
    "ParsedMail",
    "PollRound",
    "REFUSED_KEYWORD",
    "SmtpSettings",
    "check_message",
    "compose",
    "compose_maintenance",
    "inbound_of",
    "parse_message",
    "read_notice",
    "receive_mail",
    "receive_mail_batch",
    "start_mail_server",
]
