"""What every way in checks of what it is given: text that both database engines can store,
and ids that fit the 64-bit integer columns.

PostgreSQL refuses a NUL character (U+0000) in text and in JSON, which was a driver error (a
``500``); SQLite stores it, which makes a database that cannot move to PostgreSQL. A lone
surrogate (U+D800 to U+DFFF outside a pair, which Python strings and JSON ``\\ud800`` escapes
can carry) has no UTF-8 form: neither driver can write it. So both are refused where text
comes in, naming the field: the API's request schemas and query parameters, the CLI's
options, and every channel (e-mail, chat...) calls :func:`check_storable_text` on what it
parses before it calls a service. Any other character, right-to-left marks and emoji
included, is stored as sent.
"""

from __future__ import annotations

from typing import Final

from sladesk.tickets._errors import InvalidRequest

#: the largest id a row can have (a signed 64-bit integer on both engines)
MAX_ID: Final = 2**63 - 1


def unstorable_reason(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None when it can."""
    nul = text.find("\x00")
    if nul >= 0:
        return f"contains a NUL character (U+0000) at position {nul}, which cannot be stored"
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"contains a lone surrogate (U+{ord(text[exc.start]):04X}) at position {exc.start}, "
            "which is not text and cannot be stored"
        )
    return None


def check_storable_text(value: str, *, field: str) -> str:
    """``value`` unchanged when it can be stored; :class:`InvalidRequest` on ``field`` when
    it cannot (see the module docstring)."""
    reason = unstorable_reason(value)
    if reason is not None:
        raise InvalidRequest(reason, field=field, code="text.unstorable")
    return value


def check_id(value: int, *, field: str) -> int:
    """``value`` unchanged when it can be a row's id (1 to :data:`MAX_ID`); else
    :class:`InvalidRequest` on ``field``."""
    if not 1 <= value <= MAX_ID:
        raise InvalidRequest(f"an id is between 1 and {MAX_ID}", field=field, code="id.range")
    return value
