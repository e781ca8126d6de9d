"""Mail in from a hosted mailbox: IMAP polling (``sladesk mail poll``), with imap-tools.

Each round takes the folder's unseen messages (leaving out those we refused before), hands
each one's raw bytes to the one intake (:func:`receive_mail`), and only once the intake has
committed it marks it ``\\Seen`` or moves it to ``move_to``. A message the intake could not
store now (the database is down or locked) stays unseen and is tried again next round; a
crash between storing and marking makes the next round hand it in again, which the intake
recognises by its Message-ID (stored once). A message that is refused (too big, not a
message at all) gets the keyword ``$SladeskRefused`` and stays unseen in the folder for a
person to look at; it is not fetched again.

Between rounds the poller waits in IMAP IDLE when the server offers it (a new message ends
the wait at once), else sleeps ``interval`` seconds; a lost connection is opened again
with a growing pause.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted

from sladesk.channels.email._intake import receive_mail_batch
from sladesk.channels.email._model import Limits
from sladesk.channels.email._parse import MailRefused
from sladesk.services import Clock
from sladesk.store import UnitOfWork

__all__ = ["REFUSED_KEYWORD", "ImapPoller", "ImapSettings", "PollRound"]

log = logging.getLogger("sladesk.mail.imap")

#: the keyword a refused message gets (left unseen for a person, not fetched again)
REFUSED_KEYWORD = "$SladeskRefused"
SECURITY = ("ssl", "starttls", "plain")


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    user: str
    password: str
    port: int | None = None  # 993 with ssl, else 143
    security: str = "ssl"  # ssl | starttls | plain
    folder: str = "INBOX"
    move_to: str | None = None  # else mark \Seen
    mailbox: str | None = None  # the intake's mailbox name (default: the user)
    interval: float = 60.0  # the poll interval without IDLE, and the longest IDLE wait
    timeout: float = 60.0


@dataclass(slots=True)
class PollRound:
    """What one round did: UIDs stored (and marked or moved), refused, left for later."""

    stored: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class ImapPoller:
    """Polls one folder of one mailbox into the intake (see the module docstring)."""

    def __init__(
        self,
        settings: ImapSettings,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        limits: Limits = Limits(),
        own_addresses: Collection[str] = (),
        closed_mailboxes: Collection[str] = (),
        batch: int = 50,
    ) -> None:
        if settings.security not in SECURITY:
            raise ValueError(f"security must be one of {', '.join(SECURITY)}")
        self.settings = settings
        self.uow = uow
        self.clock = clock
        self.limits = limits
        self.own_addresses = tuple(own_addresses)
        self.closed_mailboxes = tuple(closed_mailboxes)
        self.batch = max(1, batch)
        self.stopping = threading.Event()
        self._box: BaseMailBox | None = None  # the open connection, for stop() to cut

    def connect(self) -> BaseMailBox:
        """Logged in, the folder selected (and ``move_to`` created if it is missing)."""
        s = self.settings
        box: BaseMailBox
        if s.security == "ssl":
            box = MailBox(s.host, s.port or 993, timeout=s.timeout,
                          ssl_context=ssl.create_default_context())  # fmt: skip
        elif s.security == "starttls":
            box = MailBoxStartTls(s.host, s.port or 143, timeout=s.timeout,
                                  ssl_context=ssl.create_default_context())  # fmt: skip
        else:
            box = MailBoxUnencrypted(s.host, s.port or 143, timeout=s.timeout)
        try:
            box.login(s.user, s.password, initial_folder=s.folder)
            if s.move_to and not box.folder.exists(s.move_to):
                box.folder.create(s.move_to)
        except BaseException:
            box.client.shutdown()
            raise
        return box

    def poll_once(self, box: BaseMailBox) -> PollRound:
        """One round over the selected folder's unseen messages, oldest first, fetched and
        stored ``batch`` at a time (one transaction per batch: ``receive_mail_batch``);
        each is marked only after its batch is committed."""
        done = PollRound()
        criteria = AND(seen=False, no_keyword=REFUSED_KEYWORD)
        uids = list(box.uids(criteria))
        for start in range(0, len(uids), self.batch):
            if self.stopping.is_set():
                break
            fetched = [(uid, _fetch_raw(box, uid)) for uid in uids[start : start + self.batch]]
            taken = [(uid, raw) for uid, raw in fetched if raw is not None]  # not expunged
            name = self.settings.mailbox or self.settings.user
            results: list[Any]
            try:
                results = receive_mail_batch(
                    self.uow(), self.clock, [raw for _, raw in taken], mailbox=name,
                    limits=self.limits, own_addresses=self.own_addresses,
                    closed_mailboxes=self.closed_mailboxes,
                )  # fmt: skip
            except Exception as exc:  # the store is unreachable: none of them is stored
                results = [exc] * len(taken)
            for (uid, _raw), result in zip(taken, results, strict=True):
                if isinstance(result, MailRefused):
                    log.warning("IMAP uid %s refused, left unseen as %s: %s",
                                uid, REFUSED_KEYWORD, result)  # fmt: skip
                    _store(box, uid, REFUSED_KEYWORD)
                    done.refused.append(uid)
                elif isinstance(result, Exception):  # not stored: stays unseen for next round
                    first = (str(result).splitlines() or [""])[0]
                    log.error("IMAP uid %s not stored, left unseen: %s: %s",
                              uid, type(result).__name__, first)  # fmt: skip
                    done.failed.append(uid)
                    done.errors.append(f"{type(result).__name__}: {first}")
                else:
                    log.info("IMAP uid %s stored <%s> (%s)", uid, result.message_id,
                             result.outcome)  # fmt: skip
                    if self.settings.move_to:
                        box.move(uid, self.settings.move_to)
                    else:
                        _store(box, uid, "\\Seen")
                    done.stored.append(uid)
            if done.failed:
                break  # the store is likely down for the rest too: keep their order
        return done

    def run(self, *, once: bool = False) -> PollRound:
        """Rounds until :meth:`stop` (or one round with ``once``); the last round's result.
        Connection errors are logged and the connection opened again after a pause (with
        ``once`` they are raised)."""
        pause = 1.0
        last = PollRound()
        while not self.stopping.is_set():
            try:
                box = self.connect()
            except Exception as exc:
                if once:
                    raise
                log.error("IMAP %s: %s: %s", self.settings.host, type(exc).__name__, exc)
                self.stopping.wait(pause)
                pause = min(pause * 2, 300.0)
                continue
            self._box = box
            try:
                idle = "IDLE" in box.client.capabilities
                while not self.stopping.is_set():
                    last = self.poll_once(box)
                    pause = 1.0
                    if once or self.stopping.is_set():
                        return last
                    if last.failed:  # the store said no: wait before trying again
                        self.stopping.wait(self.settings.interval)
                    elif idle:  # RFC 2177: renew at least every 29 minutes
                        box.idle.wait(timeout=min(self.settings.interval, 29 * 60))
                    else:
                        self.stopping.wait(self.settings.interval)
            except Exception as exc:
                if once:
                    raise
                if self.stopping.is_set():  # stop() cut the connection
                    break
                log.error("IMAP %s: %s: %s", self.settings.host, type(exc).__name__, exc)
                self.stopping.wait(pause)
                pause = min(pause * 2, 300.0)
            finally:
                self._box = None
                try:
                    box.logout()
                except Exception:  # the connection is gone already
                    box.client.shutdown()
        return last

    def stop(self) -> None:
        """Ends :meth:`run` soon, cutting an IDLE wait short by shutting its connection.
        Nothing is lost: a message stored but not yet marked is taken again next time, and
        the intake knows it by its Message-ID."""
        self.stopping.set()
        box = self._box
        if box is not None:
            with contextlib.suppress(OSError):  # closed already
                box.client.sock.shutdown(socket.SHUT_RDWR)


def _fetch_raw(box: BaseMailBox, uid: str) -> bytes | None:
    """The message's bytes as the server holds them; ``BODY.PEEK`` leaves it unseen."""
    status, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        raise OSError(f"IMAP FETCH {uid}: {status} {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _store(box: BaseMailBox, uid: str, flag: str) -> None:
    # not imap-tools' flag(): that also expunges the folder, which is not ours to do
    status, data = box.client.uid("STORE", uid, "+FLAGS", f"({flag})")
    if status != "OK":
        raise OSError(f"IMAP STORE {uid} {flag}: {status} {data!r}")
