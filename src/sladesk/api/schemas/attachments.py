"""Attachments: the metadata callers get back (``AttachmentPublic``, the same for agents and
contacts: an attachment a contact may not see is never listed for them) and the headers a
download is sent with.

A download is always ``Content-Disposition: attachment`` with ``X-Content-Type-Options:
nosniff`` and ``Content-Security-Policy: sandbox``: the media type is the uploader's claim,
so an uploaded HTML page or SVG image must never be rendered, let alone run scripts, in the
API's origin. The file name goes out as RFC 6266 ``filename`` (an ASCII fallback) plus an
RFC 5987 ``filename*`` (UTF-8, percent-encoded) unless the fallback is the name itself (plain
ASCII without a quote or a backslash).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Final
from urllib.parse import quote

from pydantic import Field

from sladesk.api.schemas._base import OutputModel
from sladesk.services import AttachmentView

#: the headers of every download besides its type and name (see the module's docstring)
DOWNLOAD_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
}


class AttachmentPublic(OutputModel):
    """A file attached to a ticket (``message_id`` null) or to one of its messages."""

    id: int
    ticket_id: int
    message_id: int | None
    filename: str = Field(description="The cleaned name: a base name, never a path.")
    content_type: str = Field(description="`type/subtype` as uploaded, when valid.")
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of the bytes, in hex.")
    created_at: datetime
    download: str = Field(
        description="The path to GET the bytes from (with the same bearer token).",
        examples=["/api/v1/tickets/12/attachments/3"],
    )

    @classmethod
    def of(cls, view: AttachmentView, collection: str) -> AttachmentPublic:
        """``view`` rendered; ``collection`` is the path of the ticket's attachments."""
        return cls(
            id=view.id,
            ticket_id=view.ticket_id,
            message_id=view.message_id,
            filename=view.filename,
            content_type=view.content_type,
            size=view.size,
            sha256=view.sha256,
            created_at=view.created_at,
            download=f"{collection.rstrip('/')}/{view.id}",
        )


def _ascii_fallback(filename: str) -> str:
    """``filename`` for the plain ``filename=`` parameter: accents dropped, any other
    non-ASCII character, a quote or a backslash as ``_``."""
    decomposed = unicodedata.normalize("NFKD", filename)
    out = "".join(
        "_" if c in '"\\' or not (32 <= ord(c) < 127) else c
        for c in decomposed
        if not unicodedata.combining(c)
    )
    return out or "attachment"


def content_disposition(filename: str) -> str:
    """``attachment; filename="…"`` and, unless the name is plain ASCII, ``filename*=UTF-8''…``
    (RFC 6266, RFC 5987)."""
    fallback = _ascii_fallback(filename)
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def download_headers(view: AttachmentView) -> dict[str, str]:
    """The headers a download of ``view`` is sent with: its stored type, as an attachment,
    never sniffed or rendered."""
    return {
        "Content-Type": view.content_type,
        "Content-Disposition": content_disposition(view.filename),
        **DOWNLOAD_HEADERS,
    }
