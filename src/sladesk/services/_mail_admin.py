"""What admins see of the mail channel, and what they may do about it (docs/email.md,
"What admins see"). Admins only: anyone else is refused with :class:`Forbidden`.

- :func:`list_mail`: the mail records, in and out — of one ticket, or from or to one
  address — with their Message-ID and status (never the raw bytes).
- :func:`list_bouncing` / :func:`clear_bouncing`: the addresses a delivery report (DSN)
  marked bouncing, with its reason; mail is not sent to them until an admin clears the mark
  (the address was fixed, the mailbox is back). The count and the last reason stay.
- :func:`list_dead_letters` / :func:`retry_dead_letter` / :func:`discard_dead_letter`: the
  outbox rows delivery gave up on, with the last error; a retry makes one due again as if
  new (the same dedupe key and Message-ID: an address that was sent to already is skipped),
  a discard keeps it with its error but lists it no more. Each is audited
  (``sladesk.mail.bounce_cleared``, ``sladesk.outbox.retried``, ``sladesk.outbox.discarded``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sladesk.services.clock import Clock
from sladesk.store import MailRepository, UnitOfWork
from sladesk.tickets import Actor, Forbidden, InvalidRequest, NotFound

__all__ = [
    "BouncingAddressView",
    "DeadLetterView",
    "MailRecordView",
    "clear_bouncing",
    "discard_dead_letter",
    "list_bouncing",
    "list_dead_letters",
    "list_mail",
    "retry_dead_letter",
]

#: the most rows one listing returns
MAX_LISTED = 500


def _require_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"only admins can {what}")


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_LISTED))


@dataclass(frozen=True, slots=True)
class MailRecordView:
    """One message in or out, as admins see it (never its raw bytes)."""

    id: int
    message_id: str
    direction: str
    status: str
    mailbox: str | None
    sender: str
    rcpt: str | None
    subject: str
    ticket_id: int | None
    size: int
    created_at: datetime
    #: why it opened no ticket (``refused``), or how often it was handed to SMTP (out)
    reason: str | None
    attempts: int | None
    ticket_number: int | None = None


@dataclass(frozen=True, slots=True)
class DeadLetterView:
    """An outbox row delivery gave up on (``failed_at`` set), not discarded."""

    id: int
    kind: str
    key: str
    attempts: int
    last_error: str | None
    failed_at: datetime
    ticket_id: int | None
    #: to whom, as far as the payload says (an address, or ``contact:3``, ``team:t``...)
    recipient: str | None = None
    ticket_number: int | None = None


@dataclass(frozen=True, slots=True)
class BouncingAddressView:
    """An address marked bouncing: since when, how often, the last report's reason, and
    the contact or agent it belongs to, if any."""

    address: str
    bouncing_since: datetime
    bounces: int
    reason: str | None
    updated_at: datetime
    contact_id: int | None
    contact_name: str | None
    agent_id: int | None
    agent_name: str | None


def list_mail(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    status: str | None = None,
    direction: str | None = None,
    ticket_id: int | None = None,
    ticket_number: int | None = None,
    address: str | None = None,
    limit: int = 100,
) -> list[MailRecordView]:
    """The newest mail records, newest first — e.g. ``status="refused"``: the mail a
    mailbox that refuses strangers kept without a ticket; ``ticket_id`` (or the number
    customers see, ``ticket_number``): a ticket's mail; ``address``: what came from or went
    to one address. A ticket number no ticket has lists nothing."""
    _require_admin(actor, "read the mail records")
    with uow.read_only():
        repo = MailRepository(uow.db)
        if ticket_number is not None:
            found = repo.ticket_by_number(ticket_number)
            if found is None or (ticket_id is not None and found != ticket_id):
                return []
            ticket_id = found
        rows = repo.listing(
            status=status, direction=direction, limit=_limit(limit), ticket_id=ticket_id,
            address=address.strip() if address and address.strip() else None,
        )  # fmt: skip
    views = []
    for r in rows:
        details = r.pop("details") or {}
        views.append(MailRecordView(
            **r, reason=details.get("refused") if isinstance(details, dict) else None,
            attempts=details.get("attempts") if r["direction"] == "out" else None,
        ))  # fmt: skip
    return views


def list_bouncing(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, limit: int = 100
) -> list[BouncingAddressView]:
    """The addresses marked bouncing, the newest bounce first."""
    _require_admin(actor, "read the bouncing addresses")
    with uow.read_only():
        rows = MailRepository(uow.db).bouncing_addresses(_limit(limit))
    return [
        BouncingAddressView(
            r.address,
            r.bouncing_since,
            r.bounces,
            r.last_bounce,
            r.updated_at,
            r.contact_id,
            r.contact_name,
            r.agent_id,
            r.agent_name,
        )  # fmt: skip
        for r in rows
    ]


def clear_bouncing(uow: UnitOfWork, clock: Clock, actor: Actor, address: str) -> None:
    """Mail may go to ``address`` again (:class:`NotFound` when it is not marked)."""
    _require_admin(actor, "clear a bouncing address")
    wanted = address.strip().lower()
    if not wanted or "@" not in wanted:
        raise InvalidRequest(f"not an e-mail address: {address!r}", field="address")
    now = clock.now()
    with uow:
        cleared = MailRepository(uow.db).clear_bouncing(wanted, now)
        if cleared is None:
            raise NotFound("bouncing address", wanted)
        bounces, reason = cleared
        uow.audit.add(now, actor.key, "sladesk.mail.bounce_cleared",
                      {"address": wanted, "bounces": bounces, "reason": reason})  # fmt: skip
        uow.commit()


def list_dead_letters(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, limit: int = 100
) -> list[DeadLetterView]:
    """The outbox messages delivery gave up on (a permanent refusal, a bouncing address,
    too many attempts), newest first; discarded ones are not listed."""
    _require_admin(actor, "read the dead letters")
    with uow.read_only():
        rows = uow.outbox.dead_letters(_limit(limit))
        return [
            DeadLetterView(
                row.id,
                row.kind,
                row.key,
                row.attempts,
                row.last_error,
                row.failed_at or clock.now(),
                _ticket_of(row.payload),
                _recipient_of(row.payload),
                _ticket_number_of(row.payload),
            )  # fmt: skip
            for row in rows
        ]


def retry_dead_letter(uow: UnitOfWork, clock: Clock, actor: Actor, outbox_id: int) -> None:
    """Make a dead letter due now, with a fresh count of attempts (:class:`NotFound` when
    it is not, or no longer, a dead letter)."""
    _require_admin(actor, "retry a dead letter")
    now = clock.now()
    with uow:
        row = uow.outbox.dead_letter(outbox_id)
        if row is None:
            raise NotFound("dead letter", outbox_id)
        data = {"outbox": row.id, "kind": row.kind, "key": row.key, "attempts": row.attempts,
                "error": row.last_error}  # fmt: skip
        if not uow.outbox.revive(outbox_id, now):
            raise NotFound("dead letter", outbox_id)
        uow.audit.add(now, actor.key, "sladesk.outbox.retried", data,
                      ticket_id=_ticket_of(row.payload))  # fmt: skip
        uow.commit()


def discard_dead_letter(uow: UnitOfWork, clock: Clock, actor: Actor, outbox_id: int) -> None:
    """Give up on a dead letter for good: kept with its error, listed no more, never sent
    (:class:`NotFound` when it is not, or no longer, a dead letter)."""
    _require_admin(actor, "discard a dead letter")
    now = clock.now()
    with uow:
        row = uow.outbox.dead_letter(outbox_id)
        if row is None:
            raise NotFound("dead letter", outbox_id)
        data = {"outbox": row.id, "kind": row.kind, "key": row.key, "attempts": row.attempts,
                "error": row.last_error}  # fmt: skip
        if not uow.outbox.discard(outbox_id, now):
            raise NotFound("dead letter", outbox_id)
        uow.audit.add(now, actor.key, "sladesk.outbox.discarded", data,
                      ticket_id=_ticket_of(row.payload))  # fmt: skip
        uow.commit()


def _ticket_of(payload: Any) -> int | None:
    if not isinstance(payload, Mapping):
        return None
    ticket = payload.get("ticket") or (payload.get("body") or {}).get("ticket")
    if isinstance(ticket, Mapping) and isinstance(ticket.get("id"), int):
        return int(ticket["id"])
    found = payload.get("ticket_id")
    return found if isinstance(found, int) else None


def _ticket_number_of(payload: Any) -> int | None:
    if not isinstance(payload, Mapping):
        return None
    ticket = payload.get("ticket") or (payload.get("body") or {}).get("ticket")
    number = ticket.get("number") if isinstance(ticket, Mapping) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _recipient_of(payload: Any) -> str | None:
    """Whom a payload names: an address (maintenance, invitations), else its recipient
    (``contact:3``), else a webhook's endpoint."""
    if not isinstance(payload, Mapping):
        return None
    for key in ("address", "to"):
        if isinstance(payload.get(key), str):
            return str(payload[key])
    who = payload.get("recipient")
    if isinstance(who, Mapping) and who.get("kind"):
        return f"{who.get('kind')}:{who.get('id')}"
    endpoint = payload.get("endpoint")
    return f"webhook:{endpoint}" if isinstance(endpoint, str) else None
