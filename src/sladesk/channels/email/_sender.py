"""The outbox's mail sender: one ``notify``, ``tell_customer`` or ``page`` row -> a message to
each of its recipients, by SMTP (STARTTLS and login as configured).

Each message has a Message-ID derived from the outbox key and the address, recorded once
it is sent (``record_sent_mail``); a row delivered again (a retry after a partial failure,
a lease that ran out) skips the recipients already sent to. Permanent failures (the
recipient refused, a 5xx answer, an address that bounces, a row that is not a notice) are
not retried; connection errors and 4xx answers are, with the delivery job's backoff.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from sladesk.channels.email._invite import INVITE_TEMPLATES, invitation_ics
from sladesk.channels.email._outgoing import (
    Notice,
    compose,
    mail_kind,
    outgoing_message_id,
    read_notice,
)
from sladesk.jobs.senders import DeliveryFailed, OutboxMessage
from sladesk.services import (
    Clock,
    MailContext,
    Recipient,
    already_sent,
    call_invitation,
    mail_context,
    record_sent_mail,
)
from sladesk.store import UnitOfWork

__all__ = ["MailSender", "SmtpSettings"]


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


class MailSender:
    """A :class:`~sladesk.jobs.senders.Sender` for ``notify``, ``tell_customer`` and ``page``
    rows (pages go to the dedicated agent, else the assignee, else the leads)."""

    def __init__(self, settings: SmtpSettings, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self.settings = settings
        self.uow = uow
        self.clock = clock

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
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
        return smtp

    def send(self, message: OutboxMessage) -> None:
        notice = read_notice(message.payload, message.kind)
        if isinstance(notice, str):
            raise DeliveryFailed(f"not a mail notice: {notice}", retryable=False)
        uow = self.uow()
        context = mail_context(uow, self.clock, notice.to, notice.ticket_id, notice.message_id)
        if context is None:
            raise DeliveryFailed(f"ticket {notice.ticket_id} is gone", retryable=False)
        domain = self.settings.sender.rpartition("@")[2] or "localhost"
        todo = [
            r for r in context.recipients
            if not already_sent(uow, outgoing_message_id(message.dedupe_key, r.address, domain))
        ]  # fmt: skip
        todo = [r for r in todo if mail_kind(notice, r, context) != "none"]
        bouncing = [r.address for r in todo if r.bouncing]
        todo = [r for r in todo if not r.bouncing]
        if todo:
            self._send_all(message, notice, context, todo)
        if bouncing:  # told the others; these addresses bounce, and retrying will not help
            raise DeliveryFailed(f"not sent to bouncing {', '.join(bouncing)}", retryable=False)

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
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {s.host}:{s.port}: {type(exc).__name__}: {exc}") from exc
        try:
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
                try:
                    smtp.send_message(mail, from_addr=s.sender, to_addrs=[recipient.address])
                except smtplib.SMTPRecipientsRefused as exc:
                    raise DeliveryFailed(f"{recipient.address} refused: {exc}",
                                         retryable=False) from exc  # fmt: skip
                except smtplib.SMTPResponseException as exc:
                    raise DeliveryFailed(
                        f"SMTP {exc.smtp_code} for {recipient.address}: {exc.smtp_error!r}",
                        retryable=exc.smtp_code < 500,
                    ) from exc
                except (OSError, smtplib.SMTPException) as exc:
                    raise DeliveryFailed(f"SMTP: {type(exc).__name__}: {exc}") from exc
                record_sent_mail(
                    self.uow(), self.clock, message_id=str(mail["Message-ID"]).strip("<>"),
                    ticket_id=context.ticket_id, outbox_key=message.dedupe_key,
                    recipients=[recipient.address], subject=str(mail["Subject"]),
                    details={"kind": notice.template},
                )  # fmt: skip
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
