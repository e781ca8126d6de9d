"""A bounce in the demo, through the same intake as ``sladesk mail ingest``: a delivery
report (DSN) says a customer's mailbox does not exist, which marks that address bouncing;
the admin's mail page (``/admin/mail``) shows it with the report's reason, beside the mail
records (the CLI also files ``examples/mail/demo.eml``). The demo configures no SMTP: the
outbox's mail waits, so there are no dead letters."""

from __future__ import annotations

from datetime import datetime, timedelta

from sladesk.channels.email import receive_mail
from sladesk.demo._people import Cast
from sladesk.policy import Policy
from sladesk.services import FixedClock
from sladesk.store import UnitOfWork

__all__ = ["stage_bounce"]

OURS = "support@demo.sladesk.test"


def _dsn(address: str, now: datetime) -> bytes:
    return (
        f"From: MAILER-DAEMON@mx.{address.rpartition('@')[2]}\r\nTo: {OURS}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <demo-dsn.{int(now.timestamp())}@mx.demo.test>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="dsn"\r\n\r\n'
        "--dsn\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--dsn\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.{address.rpartition('@')[2]}\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 The email account that you tried to reach does not "
        "exist\r\n\r\n--dsn--\r\n"
    ).encode()


def stage_bounce(
    uow: UnitOfWork, clock: FixedClock, policy: Policy, cast: Cast, now: datetime
) -> str | None:
    """A line for the demo's output; None when the policy takes no mail."""
    if "email" not in policy.channels:
        return None
    people = [c for org in cast.organizations for c in cast.contacts.get(org.id, [])]
    if not people:
        return None
    bouncer = people[-1]
    clock.set(now - timedelta(minutes=20))
    receive_mail(uow, clock, _dsn(bouncer.email, clock.now()), own_addresses=(OURS,))
    clock.set(now)
    return f"mail: {bouncer.email} bounces (a delivery report said so): see /admin/mail"
