"""The outbox's mail sender: one ``notify``, ``tell_customer`` or ``page`` row -> a message to
each of its recipients, by SMTP (STARTTLS and login as configured).

Each message has a Message-ID derived from the outbox key and the address. Before it is
handed to SMTP it is committed as ``sending`` (``begin_sending``); after the peer's ``250``
it is marked ``sent``. So a row delivered again (a retry after a partial failure, a lease
that ran out after a crash) skips the recipients already sent to, and a message whose
outcome a crash hid (handed over, never marked) is sent again with the same Message-ID and
an ``X-Sladesk-Resend`` header saying so: a receiver that keeps Message-IDs drops it, and
anyone can tell it is the same mail. Permanent failures (the recipient refused, a 5xx
answer, an address that bounces, a row that is not a notice) are not retried; connection
errors and 4xx answers are, with the delivery job's backoff. Automatic mail to a customer
(everything but an agent's reply) is limited per address and hour (``auto_per_hour``).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

import dkim

from sladesk.channels.email._invitation import compose_invitation
from sladesk.channels.email._invite import INVITE_TEMPLATES, invitation_ics
from sladesk.channels.email._outgoing import (
    Notice,
    compose,
    mail_kind,
    read_notice,
)
from sladesk.channels.email._proposal_mail import compose_proposal, read_proposal_notice
from sladesk.jobs.senders import DeliveryFailed, OutboxMessage
from sladesk.services import (
    PROPOSAL_OUTBOX_KIND,
    Clock,
    MailContext,
    Recipient,
    begin_sending,
    call_invitation,
    contact_recipient,
    mail_context,
    mark_sent,
    mark_unsent,
)
from sladesk.store import UnitOfWork

__all__ = [
    "RESEND_HEADER",
    "MailSender",
    "SmtpSender",
    "SmtpSettings",
    "handing_over",
    "smtp_session",
]

#: the headers the DKIM signature covers (those present; From always)
SIGNED_HEADERS = [
    h.encode()
    for h in ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
              "MIME-Version", "Content-Type", "Content-Language", "Auto-Submitted")
]  # fmt: skip

#: on a message sent again because a crash hid whether the first hand-over went through:
#: the attempt number (the Message-ID is the same as before)
RESEND_HEADER = "X-Sladesk-Resend"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    sender: str = "support@localhost"
    sender_name: str = "Support"
    public_url: str = "http://127.0.0.1:8000"
    #: DKIM: the private key (PEM) to sign with, as ``<dkim_selector>._domainkey.<domain>``
    #: (``dkim_domain``, else the sender's domain); unsigned when None
    dkim_key: bytes | None = None
    dkim_selector: str = "sladesk"
    dkim_domain: str | None = None
    #: automatic mail (acknowledgements, status notices: all but agents' replies) one
    #: customer address may be sent per hour; None: no limit
    auto_per_hour: int | None = 10


@contextmanager
def smtp_session(s: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """A connection to the server, greeted (STARTTLS and login as configured) and quit after
    use; one that cannot be made is a (retryable) :class:`DeliveryFailed`."""
    try:
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"SMTP {s.host}:{s.port}: {type(exc).__name__}: {exc}") from exc
    try:
        yield smtp
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


@contextmanager
def handing_over(address: str, unsent: Callable[[], None]) -> Iterator[None]:
    """SMTP's answers to handing a message for ``address`` over, as :class:`DeliveryFailed`:
    a refused recipient or a 5xx is permanent, a 4xx, a dropped connection or a timeout is
    retried. ``unsent`` runs when the server said no (the message surely was not taken); a
    connection lost after DATA leaves the outcome unknown, so the message stays ``sending``."""
    try:
        yield
    except smtplib.SMTPRecipientsRefused as exc:
        unsent()
        raise DeliveryFailed(f"{address} refused: {exc}", retryable=False) from exc
    except smtplib.SMTPServerDisconnected as exc:  # maybe after DATA: outcome unknown
        raise DeliveryFailed(f"SMTP: {type(exc).__name__}: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        unsent()
        raise DeliveryFailed(f"SMTP {exc.smtp_code} for {address}: {exc.smtp_error!r}",
                             retryable=exc.smtp_code < 500) from exc  # fmt: skip
    except (OSError, smtplib.SMTPException) as exc:  # a timeout, a reset: unknown
        raise DeliveryFailed(f"SMTP: {type(exc).__name__}: {exc}") from exc


def _nothing() -> None:
    """No record to undo (an invitation's mail is not tracked as ``sending``)."""


class SmtpSender:
    """What a mail sender holds: the SMTP settings, a unit of work per use, the clock."""

    def __init__(self, settings: SmtpSettings, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self.settings = settings
        self.uow = uow
        self.clock = clock

    def unsent(self, message_id: str) -> Callable[[], None]:
        """For :func:`handing_over`: undo the message's ``sending`` mark (it was not taken)."""
        return lambda: mark_unsent(self.uow(), self.clock, message_id)


class MailSender(SmtpSender):
    """A :class:`~sladesk.jobs.senders.Sender` for ``notify``, ``tell_customer`` and ``page``
    rows (pages go to the dedicated agent, else the assignee, else the leads)."""

    def send(self, message: OutboxMessage) -> None:
        if message.kind == "invitation":
            self._send_invitation(message)
            return
        if message.kind == PROPOSAL_OUTBOX_KIND:
            self._send_proposal(message)
            return
        notice = read_notice(message.payload, message.kind)
        if isinstance(notice, str):
            raise DeliveryFailed(f"not a mail notice: {notice}", retryable=False)
        uow = self.uow()
        context = mail_context(uow, self.clock, notice.to, notice.ticket_id, notice.message_id)
        if context is None:
            raise DeliveryFailed(f"ticket {notice.ticket_id} is gone", retryable=False)
        todo = [r for r in context.recipients if mail_kind(notice, r, context) != "none"]
        bouncing = [r.address for r in todo if r.bouncing]
        todo = [r for r in todo if not r.bouncing]
        if todo:
            self._send_all(message, notice, context, todo)
        if bouncing:  # told the others; these addresses bounce, and retrying will not help
            raise DeliveryFailed(f"not sent to bouncing {', '.join(bouncing)}", retryable=False)

    def _send_invitation(self, message: OutboxMessage) -> None:
        """An ``invitation`` row: one message to the invitee with their one-time link."""
        s = self.settings
        try:
            mail = compose_invitation(
                message.payload, outbox_key=message.dedupe_key, sender=s.sender,
                sender_name=s.sender_name, now=self.clock.now(),
            )  # fmt: skip
        except (KeyError, ValueError) as exc:
            raise DeliveryFailed(f"not an invitation: {exc}", retryable=False) from exc
        to = str(message.payload["to"])
        with smtp_session(s) as smtp, handing_over(to, _nothing):
            smtp.send_message(mail, from_addr=s.sender, to_addrs=[to])

    def _send_proposal(self, message: OutboxMessage) -> None:
        """A proposal's news (planned, released) to one follower, marked ``sending`` before
        SMTP and ``sent`` after, like every notice."""
        notice = read_proposal_notice(message.payload)
        if isinstance(notice, str):
            raise DeliveryFailed(f"not a proposal notice: {notice}", retryable=False)
        recipient = contact_recipient(self.uow(), self.clock, notice.contact_id)
        if recipient is None:  # gone or deactivated since: nobody to tell
            return
        if recipient.bouncing:
            raise DeliveryFailed(f"not sent to bouncing {recipient.address}", retryable=False)
        s = self.settings
        mail = compose_proposal(
            notice, recipient, outbox_key=message.dedupe_key, sender=s.sender,
            sender_name=s.sender_name, public_url=s.public_url, now=self.clock.now(),
        )  # fmt: skip
        message_id = str(mail["Message-ID"]).strip("<>")
        mark = begin_sending(
            self.uow(), self.clock, message_id=message_id, ticket_id=None,
            outbox_key=message.dedupe_key, recipient=recipient.address,
            subject=str(mail["Subject"]),
            details={"kind": notice.status, "proposal": notice.proposal_id},
        )  # fmt: skip
        if not mark.go:
            return
        if mark.resend:
            mail[RESEND_HEADER] = str(mark.attempt)
        data = self._signed(mail.as_bytes(policy=SMTP))
        with smtp_session(s) as smtp, handing_over(recipient.address, self.unsent(message_id)):
            smtp.sendmail(s.sender, [recipient.address], data)
        mark_sent(self.uow(), self.clock, message_id)

    def _invitation(self, message: OutboxMessage) -> str:
        data = message.payload.get("data")
        call_id = data.get("call_id") if isinstance(data, dict) else None
        if not isinstance(call_id, int):
            raise DeliveryFailed("an invitation without data.call_id", retryable=False)
        invitation = call_invitation(self.uow(), call_id)
        if invitation is None:
            raise DeliveryFailed(f"call {call_id} is gone", retryable=False)
        return invitation_ics(invitation)

    def _send_all(
        self,
        message: OutboxMessage,
        notice: Notice,
        context: MailContext,
        recipients: list[Recipient],
    ) -> None:
        s = self.settings
        ics = None
        if notice.template in INVITE_TEMPLATES:
            ics = self._invitation(message)
        with smtp_session(s) as smtp:
            for recipient in recipients:
                try:
                    mail = compose(
                        notice, context, recipient, outbox_key=message.dedupe_key,
                        sender=s.sender, sender_name=s.sender_name, public_url=s.public_url,
                        now=self.clock.now(),
                    )  # fmt: skip
                except LookupError as exc:  # a tell_customer key the policy lacks
                    raise DeliveryFailed(str(exc), retryable=False) from exc
                if ics is not None:  # text/calendar; method=REQUEST, as iTIP over mail wants
                    mail.add_attachment(ics, subtype="calendar", filename="invite.ics",
                                        params={"method": "REQUEST"})  # fmt: skip
                self._send_one(smtp, mail, message, notice, context, recipient)

    def _send_one(
        self,
        smtp: smtplib.SMTP,
        mail: EmailMessage,
        message: OutboxMessage,
        notice: Notice,
        context: MailContext,
        recipient: Recipient,
    ) -> None:
        """Mark it ``sending``, hand it over, mark it ``sent`` (see the module docstring)."""
        s = self.settings
        message_id = str(mail["Message-ID"]).strip("<>")
        kind = mail_kind(notice, recipient, context)
        mark = begin_sending(
            self.uow(), self.clock, message_id=message_id, ticket_id=context.ticket_id,
            outbox_key=message.dedupe_key, recipient=recipient.address,
            subject=str(mail["Subject"]), automatic=recipient.kind == "contact" and kind != "reply",
            automatic_per_hour=s.auto_per_hour, details={"kind": notice.template},
        )  # fmt: skip
        if not mark.go:
            return  # sent before, or over the address's share of automatic mail
        if mark.resend:
            mail[RESEND_HEADER] = str(mark.attempt)
        data = self._signed(mail.as_bytes(policy=SMTP))
        with handing_over(recipient.address, self.unsent(message_id)):
            smtp.sendmail(s.sender, [recipient.address], data)
        mark_sent(self.uow(), self.clock, message_id)

    def _signed(self, data: bytes) -> bytes:
        """``data`` with a DKIM-Signature header first, when a key is configured."""
        s = self.settings
        if s.dkim_key is None:
            return data
        domain = s.dkim_domain or s.sender.rpartition("@")[2]
        signature = dkim.sign(
            data, s.dkim_selector.encode(), domain.encode(), s.dkim_key,
            include_headers=SIGNED_HEADERS, canonicalize=(b"relaxed", b"relaxed"),
        )  # fmt: skip
        return bytes(signature) + data
