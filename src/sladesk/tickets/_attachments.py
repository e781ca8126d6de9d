"""What an attachment is stored as, decided from what an upload says about itself.

Both cleanings are pure and total: any input gives a value that is safe to store and to
send back in a header. A file name is reduced to a base name (never a path), without control
or format characters (a right-to-left override can disguise ``exe`` as ``pdf``), trimmed and
shortened to :data:`MAX_FILENAME` characters with its extension kept. A media type is kept
only when it is a syntactically valid ``type/subtype`` (RFC 6838), else the file is
``application/octet-stream``: the type is the uploader's claim, never checked against the
bytes, which is why downloads are never rendered inline (docs/api.md).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_FILENAME: Final = 200
DEFAULT_FILENAME: Final = "attachment"
DEFAULT_CONTENT_TYPE: Final = "application/octet-stream"
#: an extension kept whole when a long name is shortened (a longer one is cut with the name)
_MAX_EXTENSION: Final = 20

#: RFC 6838 section 4.2: ``type "/" subtype``, each a restricted-name of at most 127 characters
_RESTRICTED_NAME: Final = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
_MEDIA_TYPE: Final = re.compile(rf"{_RESTRICTED_NAME}/{_RESTRICTED_NAME}")
_SEPARATORS: Final = re.compile(r"[/\\]")
#: control (Cc), format (Cf: bidirectional overrides, zero-width characters) and surrogate
#: (Cs) characters, and the line and paragraph separators (Zl, Zp)
_DROPPED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def clean_filename(raw: str) -> str:
    """The name to store for an uploaded file: its last path segment (``/`` and ``\\`` both
    separate), in NFC, without control or format characters, trimmed, at most
    :data:`MAX_FILENAME` characters keeping the extension; ``attachment`` when nothing (or
    only dots) is left."""
    name = _SEPARATORS.split(raw)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    name = name.strip()
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= _MAX_EXTENSION:
            name = stem[: MAX_FILENAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_FILENAME].rstrip()
    if not name.strip("."):
        return DEFAULT_FILENAME
    return name


def clean_content_type(raw: str | None) -> str:
    """``type/subtype`` in lower case (parameters such as ``charset`` dropped) when ``raw``
    names one that is syntactically valid, else ``application/octet-stream``."""
    if not raw:
        return DEFAULT_CONTENT_TYPE
    essence = raw.split(";", 1)[0].strip().lower()
    return essence if _MEDIA_TYPE.fullmatch(essence) else DEFAULT_CONTENT_TYPE
