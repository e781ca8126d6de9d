"""``/mail``: the mail records (what came in and what went out, without raw bytes) and the
dead letters of the outbox, for admins (docs/email.md "What admins see"), and what the
console's mail page does about them: clear a bouncing mark, retry or discard a dead letter
(audited by the same services)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id
from sladesk.api.schemas.mail import BounceClear, DeadLetterPublic, MailRecordPublic
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/mail", tags=["mail"], route_class=OneHopRoute)

Status = Literal[
    "received", "stored", "note", "auto_reply", "bounce", "unreadable", "refused",
    "sending", "sent", "unsent", "limited",
]  # fmt: skip


@router.get("/messages")
def list_mail(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    status: Annotated[Status | None, Query(description="only this status")] = None,
    direction: Annotated[Literal["in", "out"] | None, Query()] = None,
    ticket_id: Annotated[int | None, Query(ge=1, description="only this ticket's mail")] = None,
    address: Annotated[
        str | None, Query(max_length=320, description="only mail from or to this address")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MailRecordPublic]:
    """The newest mail records: ``?status=refused`` lists what mailboxes that refuse
    strangers kept without a ticket (with the reason); ``?status=sending`` what a crash
    left with an unknown outcome; ``?ticket_id=`` a ticket's mail in and out;
    ``?address=`` what came from or went to one address."""
    rows = services.list_mail(uow, clock, actor, status=status, direction=direction,
                              ticket_id=ticket_id, address=address, limit=limit)  # fmt: skip
    return [MailRecordPublic.model_validate(r) for r in rows]


@router.get("/dead-letters")
def list_dead_letters(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeadLetterPublic]:
    """Outbox messages delivery gave up on, newest first, with the last error."""
    rows = services.list_dead_letters(uow, clock, actor, limit=limit)
    return [DeadLetterPublic.model_validate(r) for r in rows]


@router.post("/bouncing/clear", status_code=status.HTTP_204_NO_CONTENT)
def clear_bouncing(body: BounceClear, actor: ActorDep, uow: UowDep, clock: ClockDep) -> Response:
    """Mail may go to the address again (it was fixed, the mailbox is back); the count and
    the last reason stay on record. ``404`` when the address is not marked bouncing."""
    services.clear_bouncing(uow, clock, actor, body.address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/dead-letters/{outbox_id}/retry", status_code=status.HTTP_204_NO_CONTENT)
def retry_dead_letter(outbox_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> Response:
    """Make a dead letter due now with a fresh count of attempts (same dedupe key and
    Message-ID). ``404`` when it is not, or no longer, a dead letter."""
    services.retry_dead_letter(uow, clock, actor, outbox_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/dead-letters/{outbox_id}/discard", status_code=status.HTTP_204_NO_CONTENT)
def discard_dead_letter(outbox_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> Response:
    """Give up on a dead letter for good: kept with its error, listed and sent no more.
    ``404`` when it is not, or no longer, a dead letter."""
    services.discard_dead_letter(uow, clock, actor, outbox_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
