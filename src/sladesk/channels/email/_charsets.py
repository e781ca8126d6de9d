"""Turning the bytes of real mail into text, through the charset lies mail is known for.

- a declared charset is read through its usual superset: GB2312 is really GBK (read as
  GB18030), ISO-8859-1 and US-ASCII are really Windows-1252, KS_C_5601-1987 is CP949...;
- undeclared or unknown 8-bit text is tried as UTF-8, then Windows-1252, then Latin-1
  (which never fails);
- RFC 2047 encoded words in headers, also the broken ones (bad padding, unknown charsets,
  raw 8-bit bytes beside them);
- :func:`storable` strips what a database cannot store (NUL and other control characters,
  lone surrogates), so that the same text is stored on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

__all__ = ["ESCAPED_8BIT", "decode_bytes", "decode_header_value", "storable"]

#: declared name -> what senders really mean by it
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}

#: a raw 8-bit byte as the ``email`` package carries it (a surrogate escape); one regex
#: search instead of a Python loop over every character of every header
ESCAPED_8BIT = re.compile("[\udc80-\udcff]")

_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")


def _codec(charset: str | None) -> str | None:
    """The codec to read ``charset`` with, or None when Python knows no such charset."""
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, str | None]:
    """``data`` as text, and a note when the declared charset was not what it said (None
    when it read cleanly as declared)."""
    codec = _codec(charset)
    if codec is not None:
        if codec == "cp1252" and not data.isascii():
            # "us-ascii"/"iso-8859-1" on 8-bit text is as often UTF-8 in disguise
            try:
                return data.decode("utf-8"), None
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(codec), None
        except UnicodeDecodeError:
            pass
        except LookupError:  # pragma: no cover - codecs.lookup succeeded above
            pass
    if data.isascii():
        return data.decode("ascii"), None
    note = f"charset {charset!r} did not fit" if charset else "undeclared 8-bit text"
    for guess in ("utf-8", "cp1252"):
        try:
            return data.decode(guess), f"{note}: read as {guess}"
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), f"{note}: read as latin-1"


_ENCODED_WORD = re.compile(
    r"=\?(?P<charset>[^?*\s]+)(?:\*[^?\s]*)?\?(?P<enc>[QqBb])\?(?P<text>[^?\s]*)\?="
)
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(=\?)")


def _word(match: re.Match[str]) -> str:
    charset, enc, text = match["charset"], match["enc"].upper(), match["text"]
    try:
        if enc == "B":
            text += "=" * (-len(text) % 4)
            data = base64.b64decode(text.encode("ascii", "replace"), validate=False)
        else:
            data = quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"))
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_bytes(data, charset)[0]


def decode_header_value(raw: str) -> str:
    """A header's value as text: raw 8-bit bytes (carried as surrogate escapes by the
    ``email`` package) decoded, encoded words decoded, folding undone."""
    if ESCAPED_8BIT.search(raw):
        raw = decode_bytes(raw.encode("ascii", "surrogateescape"))[0]
    raw = re.sub(r"\r?\n[ \t]", " ", raw)
    # whitespace between two adjacent encoded words is not part of the text (RFC 2047 6.2)
    raw = _BETWEEN_WORDS.sub(r"\1\2", raw)
    return _ENCODED_WORD.sub(_word, raw).strip()


def storable(text: str) -> str:
    """``text`` without NUL, other control characters (tabs and line breaks stay) and lone
    surrogates: what neither database would store the same way."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSTORABLE.sub(lambda m: "" if m.group(0) < "\ud800" else "\ufffd", text)
