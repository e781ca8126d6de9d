"""The SMTP server of ``sladesk serve`` (aiosmtpd): mail in, for a domain whose MX points at
sladesk or for an MTA relaying to it.

It answers ``250`` only after the message is committed (the intake runs in a worker thread
while the SMTP session waits), ``550`` when the message is refused for good (not a message
at all), ``552`` when it is too big (aiosmtpd, before it is read whole), and ``451`` — try
again later — when it cannot be stored now, so that the sending server keeps it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller

from sladesk.channels.email._intake import receive_mail
from sladesk.channels.email._model import Limits
from sladesk.channels.email._parse import MailRefused
from sladesk.services import Clock
from sladesk.store import UnitOfWork

__all__ = ["IntakeHandler", "MailServer", "start_mail_server"]

log = logging.getLogger("sladesk.channels.email.smtp")


@dataclass
class IntakeHandler:
    """The aiosmtpd handler: each message's DATA goes through :func:`receive_mail`."""

    uow: Callable[[], UnitOfWork]  # a fresh unit of work per message (one per thread)
    clock: Clock
    limits: Limits = Limits()
    own_addresses: Collection[str] = ()
    #: mailboxes (envelope recipient addresses) that refuse strangers
    closed_mailboxes: Collection[str] = ()

    def _store(self, raw: bytes, mailbox: str | None) -> str:
        _parsed, result = receive_mail(
            self.uow(), self.clock, raw, mailbox=mailbox, limits=self.limits,
            own_addresses=self.own_addresses, closed_mailboxes=self.closed_mailboxes,
        )  # fmt: skip
        where = f"ticket #{result.ticket_number}" if result.ticket_number else result.outcome
        return f"250 2.0.0 stored <{result.message_id}> ({where})"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mailbox = envelope.rcpt_tos[0].lower() if envelope.rcpt_tos else None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, self._store, bytes(raw), mailbox)
        except MailRefused as exc:
            code = "552 5.3.4" if "too big" in str(exc) else "550 5.6.0"
            return f"{code} {exc}"
        except Exception:
            log.exception("could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 the message could not be stored now; try again later"


class MailServer:
    """A running SMTP server; :meth:`stop` ends it."""

    def __init__(self, controller: Controller) -> None:
        self.controller = controller

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()


def start_mail_server(handler: IntakeHandler, host: str, port: int) -> MailServer:
    """Listen on ``host:port`` in a thread of its own; returns once it accepts connections."""
    controller = Controller(
        handler, hostname=host, port=port, data_size_limit=handler.limits.message_bytes,
        server_hostname="sladesk", ready_timeout=10.0,
    )  # fmt: skip
    controller.start()
    return MailServer(controller)
