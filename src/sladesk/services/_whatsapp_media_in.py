"""A customer's WhatsApp medium (image, document, audio, video, sticker), never fetched
inside the webhook's request: the message is stored first, naming the medium, and (same
transaction, :func:`queue_whatsapp_media_fetch`) a ``whatsapp_media`` outbox row keyed by
the ``wamid`` is queued, so the webhook answers Meta at once however slow the media server
is. The jobs' sender (``channels/whatsapp/media.py``) fetches it, within the attachment
size limit and with the delivery job's retries, and attaches it to the message
(:func:`store_whatsapp_media`); when it cannot for good, :func:`whatsapp_media_failed` says
why in an internal note, once — as the phone channel does with a voicemail's audio
(``_phone.py``). The other way (an agent's file sent to the customer) is
``_whatsapp_media.py``."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sladesk.services._attachments import attach_file
from sladesk.services._tickets_write import write_note
from sladesk.services._whatsapp_media import WHATSAPP
from sladesk.services.clock import Clock
from sladesk.store import ChannelRepository, UnitOfWork, WriteConflict
from sladesk.tickets import Actor, InvalidRequest, NotFound, Scope, TicketRuleError

__all__ = [
    "WHATSAPP_MEDIA",
    "queue_whatsapp_media_fetch",
    "store_whatsapp_media",
    "whatsapp_media_failed",
]

#: the outbox kind that copies a customer's medium into sladesk
WHATSAPP_MEDIA = "whatsapp_media"
_ACTOR = "whatsapp"


def queue_whatsapp_media_fetch(
    uow: UnitOfWork, now: datetime, *, wamid: str, ticket_id: int, message_id: int,
    media_id: str, filename: str, media_type: str, kind: str,
) -> None:  # fmt: skip
    """Queue the fetch of a customer's medium (the caller's transaction, the one storing
    the message ``wamid``)."""
    payload = {"ticket": {"id": ticket_id}, "message_id": message_id, "wamid": wamid,
               "media_id": media_id, "filename": filename, "media_type": media_type,
               "kind": kind}  # fmt: skip
    key = f"{WHATSAPP_MEDIA}:{hashlib.sha256(wamid.encode()).hexdigest()[:40]}"
    uow.gateway.record_effects([], [(WHATSAPP_MEDIA, key, payload)], now)


def store_whatsapp_media(
    uow: UnitOfWork, clock: Clock, wamid: str, content: bytes, *, filename: str,
    content_type: str,
) -> bool:  # fmt: skip
    """Attach a customer's medium to the message ``wamid`` in one transaction; False when
    it is attached already (a second delivery of the outbox row), the message is gone
    (purged) or its ticket takes no files any more (closed). The size limit is the
    fetcher's to enforce."""
    now = clock.now()
    with uow:
        found = ChannelRepository(uow.db).message_by_external_id(WHATSAPP, wamid)
        if found is None:
            return False
        ticket_id, message_id = found
        files = uow.attachments.for_ticket(Scope.all_organizations(), ticket_id,
                                           include_internal=True)  # fmt: skip
        if any(a.message_id == message_id for a in files):
            return False
        try:
            attach_file(uow, now, Actor.system(_ACTOR), ticket_id, filename=filename,
                        content_type=content_type, content=content,
                        message_id=message_id)  # fmt: skip
        except (InvalidRequest, TicketRuleError):  # an empty file; a closed ticket
            return False
        uow.commit()
    return True


def whatsapp_media_failed(uow: UnitOfWork, clock: Clock, wamid: str, what: str,
                          reason: str) -> None:  # fmt: skip
    """The medium ``what`` (its kind, name, type and media id) of the message ``wamid``
    will not be copied: an internal note says why (once: keyed by the ``wamid``)."""
    now = clock.now()
    external_id = f"media-failed:{wamid}"
    try:
        with uow:
            repo = ChannelRepository(uow.db)
            found = repo.message_by_external_id(WHATSAPP, wamid)
            if found is None or repo.message_by_external_id(WHATSAPP, external_id) is not None:
                return
            try:
                write_note(uow, now, Actor.system(_ACTOR), found[0],
                           f"The customer's WhatsApp {what} could not be copied into sladesk: "
                           f"{reason}.", channel=WHATSAPP, external_id=external_id)  # fmt: skip
            except (NotFound, TicketRuleError):
                return
            uow.commit()
    except WriteConflict:  # a twin wrote it first
        return
