"""The demo's live chat: two visitors waiting in the console's Live chat page (started three
minutes and forty seconds before ``now``), so the waiting list and its wait times show."""

from __future__ import annotations

from datetime import datetime, timedelta

from sladesk.services import FixedClock, start_chat
from sladesk.store import UnitOfWork

__all__ = ["stage_chats"]

_VISITORS = (
    (timedelta(minutes=3), "Marta Silva", "marta@visitor.example", "pt",
     "Olá, a exportação de relatórios falha desde ontem."),
    (timedelta(seconds=40), "Sam Lee", "sam@visitor.example", "en",
     "Hi, how do I add a second site to my plan?"),
)  # fmt: skip


def stage_chats(uow: UnitOfWork, clock: FixedClock, now: datetime) -> int:
    for ago, name, email, locale, text in _VISITORS:
        clock.set(now - ago)
        start_chat(uow, clock, name=name, email=email, locale=locale, first_message=text)
    clock.set(now)
    return len(_VISITORS)
