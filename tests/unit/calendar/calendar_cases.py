"""Zones, anchor dates and range text shared by the calendar property tests.

The zones cover what business time must survive: DST in both hemispheres, a change at local
midnight (Santiago), 30-minute DST (Lord Howe), a +05:45 offset (Kathmandu), no DST since 2019
(Sao Paulo) and plain UTC. The anchors are the days around which 2026's zone changes happen in
those zones, plus a quiet one.
"""

from __future__ import annotations

from datetime import date

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Europe/Lisbon",
    "America/Santiago",  # changes at local midnight
    "Australia/Lord_Howe",  # 30-minute DST
    "Asia/Kathmandu",  # +05:45
    "UTC",
]
ANCHORS = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 7, 1),
    date(2026, 9, 6),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def hhmm(minutes: int) -> str:
    """Minutes since midnight as ``HH:MM`` (1440 is ``24:00``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
