"""The web console's languages: every text of the templates and pages has its Spanish and
Portuguese translation (a new text without one fails here), placeholders survive
translation, and the viewer's language is chosen from their profile, else the browser."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from sladesk.web._i18n import LANGUAGES, LOCALE_DIR, Words, negotiate, translations

WEB = Path(__file__).resolve().parents[3] / "src" / "sladesk" / "web"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _extracted() -> set[str]:
    found = extract_from_dir(str(WEB), METHODS, options_map=OPTIONS, keywords={"_": None})
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


EXTRACTED = _extracted()


def test_the_texts_are_found() -> None:
    assert "Sign in" in EXTRACTED and "We will answer by %(when)s." in EXTRACTED
    assert "Wrong e-mail address or password." in EXTRACTED  # from Python code too


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_text_is_translated(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=language)
    missing = sorted(
        m for m in EXTRACTED if catalog.get(m) is None or not catalog[m].string or catalog[m].fuzzy
    )
    assert not missing, f"{language}: no translation for {missing}"
    for m in EXTRACTED:
        placeholders = sorted(re.findall(r"%\(\w+\)s", m))
        assert sorted(re.findall(r"%\(\w+\)s", catalog[m].string)) == placeholders, m


def test_the_english_catalog_lists_every_text() -> None:
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="en")
    assert not sorted(m for m in EXTRACTED if catalog.get(m) is None)


def test_catalogs_load_and_translate() -> None:
    assert translations("es").gettext("Sign in") == "Iniciar sesión"
    assert translations("pt").gettext("Sign in") == "Entrar"
    assert translations("en").gettext("Sign in") == "Sign in"


@pytest.mark.parametrize(
    ("profile", "header", "expected"),
    [
        ("es", "pt-BR,pt;q=0.9", "es"),  # the profile wins
        (None, "pt-BR,pt;q=0.9,en;q=0.8", "pt"),
        (None, "fr-FR, es;q=0.5, en;q=0.7", "en"),  # by q-value among ours
        (None, "fr, de", "en"),
        (None, None, "en"),
        ("de", "es-ES", "es"),  # a profile language we do not have: the browser's
        (None, "es;q=0, pt", "pt"),  # q=0: not acceptable
    ],
)
def test_the_language_is_the_profiles_else_the_browsers(
    profile: str | None, header: str | None, expected: str
) -> None:
    assert negotiate(profile, header) == expected


def test_the_organisations_language_comes_after_the_browsers() -> None:
    assert negotiate(None, None, "es") == "es"
    assert negotiate(None, "pt-BR", "es") == "pt"
    assert negotiate("en", "pt-BR", "es") == "en"
    assert negotiate(None, "fr", "de") == "en"


def test_durations_show_seconds_only_where_they_matter() -> None:
    words = Words("en", translations("en"), ZoneInfo("UTC"))
    cases = {
        timedelta(seconds=75): "1 min 15 s",  # a chat target's "used" of 90s
        timedelta(seconds=45): "45 s",
        timedelta(seconds=-15): "-15 s",
        timedelta(minutes=2): "2 min",
        timedelta(minutes=29, seconds=59): "29 min",  # longer: minutes, as before
        timedelta(hours=4): "4 h 00 min",
        timedelta(0): "0 min",
    }
    assert {d: words.duration(d) for d in cases} == cases
