"""Instants as the customer reads them: in their time zone and language, the way a promise
is said — "Monday 12:30 WET", "lunes 12:30 WET", "segunda-feira 12:30 WET" — with the date
added when the day is not within the coming week. Pure (``now`` is a parameter)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["say_instant"]

_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "pt": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
           "sábado", "domingo"),
}  # fmt: skip
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"),
}  # fmt: skip
_WITH_DATE = {
    "en": "{day} {d} {month}",
    "es": "{day} {d} de {month}",
    "pt": "{day}, {d} de {month}",
}


def language(locale: str | None) -> str:
    """``pt-BR`` -> ``pt``; a language we have no words for -> ``en``."""
    lang = (locale or "en").replace("_", "-").split("-")[0].lower()
    return lang if lang in _DAYS else "en"


def say_instant(at: datetime, time_zone: str, locale: str | None, *, now: datetime) -> str:
    """``at`` in ``time_zone``, said in ``locale``'s language (see the module docstring)."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    lang = language(locale)
    local = at.astimezone(zone)
    day = _DAYS[lang][local.weekday()]
    days_ahead = (local.date() - now.astimezone(zone).date()).days
    if not 0 <= days_ahead < 7:
        day = _WITH_DATE[lang].format(day=day, d=local.day, month=_MONTHS[lang][local.month - 1])
    return f"{day} {local:%H:%M} {local.tzname()}"
