"""A receiving SMTP server on loopback (aiosmtpd) that keeps what it is sent, for the tests
of our mail sender; and the sender wired to it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the receiving end accepted: (envelope recipients, parsed message)."""

    port: int = 0
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: int | None = None  # answer every DATA with this code instead
    raw: list[bytes] = field(default_factory=list)  # the bytes as they arrived
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse is not None:
            return f"{self.refuse} refused by the test"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), parsed))
            self.raw.append(bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.received if address in rcpt]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()
