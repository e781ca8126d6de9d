"""Languages and instants: the message catalogs (English, Spanish, Portuguese), the viewer's
locale (their profile's, else the browser's ``Accept-Language``, else English), one Jinja2
environment per language, and instants and durations written for the viewer.

The catalogs are ``locale/<lang>/LC_MESSAGES/messages.po``; ``scripts/bootstrap`` compiles
them to ``.mo`` (``pybabel compile``). A ``.mo`` missing or older than its ``.po`` (a copy
installed without the bootstrap) is compiled in memory from the ``.po`` when the app starts,
so the texts are never stale. ``tests/unit/web/test_i18n.py`` fails on a text with no
translation.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
LOCALE_DIR = HERE / "locale"
TEMPLATES = HERE / "templates"
#: the languages of the interface, the first the default
LANGUAGES = ("en", "es", "pt")
LANGUAGE_NAMES = {"en": "English", "es": "Español", "pt": "Português"}


def translations(language: str) -> Translations:
    """The compiled catalog of ``language``: the ``.mo`` when it is current, else the
    ``.po`` compiled here."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as f:
            return Translations(f, domain="messages")
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain="messages")


def negotiate(profile: str | None, accept_language: str | None, fallback: str | None = None) -> str:
    """The language to answer in: the profile's if we have it, else the first of the
    browser's preferences (by q-value) that we have, else ``fallback`` (a contact's
    organisation's), else English."""
    for tag in (profile, *_accepted(accept_language or ""), fallback):
        base = (tag or "").replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return LANGUAGES[0]


def _accepted(header: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag))
    return [tag for _, _, tag in sorted(ranked)]


def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    for candidate in (name, default, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


@functools.cache
def _locale(language: str) -> Locale:
    """Babel's data for ``language``, parsed once: given a tag instead, every date formatted
    parses it again (~15 µs, and a ticket page writes some 60 instants)."""
    return Locale.parse(language)


@dataclass(frozen=True)
class Words:
    """What a page needs to write things for one viewer: their language's texts, and
    instants in their time zone with the zone named."""

    language: str
    tr: Translations
    tz: ZoneInfo

    def gettext(self, message: str) -> str:
        return self.tr.gettext(message)

    def instant(self, t: datetime | None, tz: ZoneInfo | None = None) -> str:
        """``Tue 10 Mar 2026, 12:30 (Europe/Lisbon)`` in the viewer's language."""
        if t is None:
            return "—"
        where = tz or self.tz
        text = format_datetime(t, "EEE d MMM y, HH:mm", tzinfo=where, locale=_locale(self.language))
        return f"{text} ({where.key})"

    def promise(self, t: datetime) -> str:
        """``Monday 12:30, 16 March`` for "we will answer by …"."""
        locale = _locale(self.language)
        text = format_datetime(t, "EEEE d MMMM, HH:mm", tzinfo=self.tz, locale=locale)
        return f"{text} ({self.tz.key})"

    def duration(self, d: timedelta | None) -> str:
        """Business time as hours and minutes: ``-1 h 05 min``; under 10 minutes with its
        seconds (``1 min 15 s``, ``45 s``: chat targets are given in seconds); None is a
        dash."""
        if d is None:
            return "—"
        seconds = d.total_seconds()
        sign = "-" if seconds < 0 else ""
        hours, mins = divmod(int(abs(seconds) // 60), 60)
        secs = int(abs(seconds)) % 60
        if not hours and mins < 10 and secs:
            return f"{sign}{mins} min {secs:02d} s" if mins else f"{sign}{secs} s"
        return f"{sign}{hours} h {mins:02d} min" if hours else f"{sign}{mins} min"

    def number(self, n: int) -> str:
        """``1,000`` in English, ``1.000`` in Spanish and Portuguese."""
        return format_decimal(n, locale=_locale(self.language))

    def language_name(self, code: str) -> str:
        return Locale.parse(code).get_display_name(self.language) or code


def environments() -> dict[str, Environment]:
    """One Jinja2 environment per language, its catalog installed (``_()`` and
    ``{% trans %}`` in the templates); HTML autoescaped."""
    envs: dict[str, Environment] = {}
    for language in LANGUAGES:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
        envs[language] = env
    return envs
