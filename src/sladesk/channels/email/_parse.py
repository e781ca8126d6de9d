"""RFC 822 bytes -> :class:`ParsedMail`: the pure reading of one e-mail (no I/O, no clock).

MIME of any depth is walked with the standard library's parser in its most lenient mode
(``compat32``: it records defects instead of raising); headers are decoded here, through
the charset lies of ``_charsets.py``. The text is the first inline ``text/plain`` parts, or
the text of the HTML when the mail has only HTML; the HTML is sanitised (``_html.py``);
quoted replies and signatures are folded away from the new text (``_quotes.py``);
auto-replies and bounces are recognised (``_loops.py``). Attachments, inline images,
uuencoded blocks and PGP parts are kept as attachments within :class:`Limits`.

:func:`check_message` refuses what is not a message at all (empty, too big, no header);
:func:`parse_message` never raises: a message it cannot read comes back with ``error`` set
and its raw bytes, so that it is still stored and shown, never dropped.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from sladesk.channels.email._charsets import (
    ESCAPED_8BIT,
    decode_bytes,
    decode_header_value,
    storable,
)
from sladesk.channels.email._html import html_to_text, sanitize_html
from sladesk.channels.email._loops import classify
from sladesk.channels.email._model import Address, Limits, MailAttachment, ParsedMail
from sladesk.channels.email._quotes import fold_quotes
from sladesk.errors import SladeskError

__all__ = ["MailRefused", "check_message", "parse_message"]

#: header names a message has (one of them, at least) and a random file has not
_MESSAGE_HEADERS = frozenset(
    {"from", "to", "subject", "date", "message-id", "received", "return-path", "sender",
     "mime-version", "delivered-to", "reply-to", "cc", "in-reply-to", "references",
     "content-type"}
)  # fmt: skip
_MAX_DEPTH = 40
_UUENCODED = re.compile(r"^begin [0-7]{3,4} (?P<name>[^\n]+)\n(?P<body>.*?)\n`?\nend$", re.M | re.S)
_IDS = re.compile(r"<([^<>\s]+)>")


class MailRefused(SladeskError):
    """Not stored: the bytes are not an e-mail message, or too big to take."""


def check_message(raw: bytes, limits: Limits = Limits()) -> None:
    """Raise :class:`MailRefused` (saying why) unless ``raw`` is a message we take."""
    if len(raw) > limits.message_bytes:
        raise MailRefused(f"message too big: {len(raw)} bytes, the limit is {limits.message_bytes}")
    if not raw.strip():
        raise MailRefused("not a message: the input is empty")
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    names = {
        line.split(b":", 1)[0].strip().lower().decode("ascii", "replace")
        for line in head.split(b"\n")
        if b":" in line and not line[:1].isspace()
    }
    if not names & _MESSAGE_HEADERS:
        raise MailRefused("not a message: no e-mail header (From, To, Subject, Date…) found")


def _headers(message: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        found.setdefault(name.lower(), []).append(str(value))
    return found


def _one(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return storable(decode_header_value(values[0])) if values else ""


def _addresses(headers: dict[str, list[str]], *names: str) -> tuple[Address, ...]:
    raw = [_undo_8bit(v) for n in names for v in headers.get(n, [])]
    found: list[Address] = []
    for name, address in getaddresses(raw):
        address = storable(decode_header_value(address)).strip().lower()
        if "@" not in address:
            continue
        found.append(Address(address, storable(decode_header_value(name)).strip()))
    return tuple(found)


def _undo_8bit(value: str) -> str:
    if ESCAPED_8BIT.search(value):
        return decode_bytes(value.encode("ascii", "surrogateescape"))[0]
    return value


def _ids(headers: dict[str, list[str]], name: str) -> tuple[str, ...]:
    text = " ".join(headers.get(name, []))
    found = _IDS.findall(text)
    if not found and text.strip():
        found = [t for t in text.split() if "@" in t]
    return tuple(dict.fromkeys(storable(i)[:900] for i in found))


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _leaves(part: Message, depth: int = 0) -> Iterator[Message]:
    """The parts that hold content, depth first; a forwarded message is one leaf."""
    if depth > _MAX_DEPTH:
        return
    if part.get_content_maintype() == "message":
        yield part
        return
    payload = part.get_payload()
    if part.is_multipart() and isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                yield from _leaves(sub, depth + 1)
        return
    yield part


def _content(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        payload = part.get_payload()
        if isinstance(payload, list):
            return b"".join(p.as_bytes(policy=compat32) for p in payload if isinstance(p, Message))
    try:
        data = part.get_payload(decode=True)
    except (ValueError, binascii.Error, AssertionError):  # a broken encoding: keep it as is
        data = None
    if isinstance(data, bytes):
        return data
    return str(part.get_payload()).encode("utf-8", "surrogateescape")


class _Collector:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.attachments: list[MailAttachment] = []
        self.total = 0
        self.defects: list[str] = []

    def add(self, name: str, ctype: str, data: bytes, *, inline: bool, cid: str | None) -> None:
        limits = self.limits
        dropped: str | None = None
        if len(self.attachments) >= limits.attachments:
            dropped = f"more than {limits.attachments} attachments"
        elif len(data) > limits.attachment_bytes:
            dropped = f"{len(data)} bytes, over the {limits.attachment_bytes}-byte limit"
        elif self.total + len(data) > limits.attachments_total_bytes:
            dropped = f"attachments over {limits.attachments_total_bytes} bytes in all"
        else:
            self.total += len(data)
        self.attachments.append(
            MailAttachment(
                filename=storable(name)[:300] or "attachment",
                content_type=ctype,
                size=len(data),
                content=None if dropped else data,
                inline=inline,
                content_id=cid,
                dropped=dropped,
            )
        )


def _filename(part: Message, index: int) -> str:
    raw = part.get_param("filename", None, "content-disposition") or part.get_param("name")
    if raw is None:
        name = ""
    elif isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
        charset, _lang, value = raw
        name = decode_bytes(value.encode("latin-1", "replace"), charset or "utf-8")[0]
    else:
        name = decode_header_value(_undo_8bit(str(raw)))
    if not name and part.get_content_type() == "message/rfc822":
        name = f"message-{index}.eml"
    return name or f"part-{index}"


def _uuencoded(text: str, collector: _Collector) -> str:
    def keep(match: re.Match[str]) -> str:
        data = bytearray()
        for line in match["body"].split("\n"):
            if not line.strip():
                continue
            try:
                data += binascii.a2b_uu(line)
            except binascii.Error:
                collector.defects.append(f"uuencoded {match['name'].strip()}: a broken line")
                break
        collector.add(match["name"].strip(), "application/octet-stream", bytes(data),
                      inline=False, cid=None)  # fmt: skip
        return f"[attachment: {match['name'].strip()}]"

    return _UUENCODED.sub(keep, text)


def parse_message(raw: bytes, limits: Limits = Limits()) -> ParsedMail:
    """Read ``raw`` (see the module docstring). Never raises."""
    try:
        return _parse(raw, limits)
    except Exception as exc:  # a message we cannot read is still kept, raw
        return ParsedMail(
            raw=raw, message_id=None, sender=None, to=(), cc=(), reply_to=(), subject="",
            date=None, in_reply_to=(), references=(), text="", full_text="", html=None,
            attachments=(), auto=None, auto_reason="", bounced=(), bounced_message_id=None,
            defects=(), error=f"{type(exc).__name__}: {exc}"[:500],
        )  # fmt: skip


def _parse(raw: bytes, limits: Limits) -> ParsedMail:
    message = message_from_bytes(raw, policy=compat32)
    headers = _headers(message)
    collector = _Collector(limits)
    defects = collector.defects
    subject = _one(headers, "subject")
    senders = (
        _addresses(headers, "from") or _addresses(headers, "sender")
        or _addresses(headers, "return-path")
    )  # fmt: skip
    sender = senders[0] if senders else None
    plain: list[str] = []
    html: list[str] = []
    for index, part in enumerate(_leaves(message), start=1):
        defects.extend(type(d).__name__ for d in part.defects)
        ctype = part.get_content_type()
        if ctype.startswith("multipart/") and not part.is_multipart():
            defects.append(f"part {index} ({ctype}): no parts, read as text")
            ctype = "text/plain"  # a container whose boundary is missing: its text is all
        disposition = part.get_content_disposition()
        named = bool(part.get_param("filename", None, "content-disposition") or
                     part.get_param("name"))  # fmt: skip
        data = _content(part)
        if (
            ctype in ("text/plain", "text/html")
            and disposition != "attachment"
            and (not named or disposition == "inline")
        ):
            charset = part.get_content_charset()
            text, note = decode_bytes(data, charset)
            if note:
                defects.append(f"part {index} ({ctype}): {note}")
            (plain if ctype == "text/plain" else html).append(text)
            continue
        cid = part.get("Content-ID")
        collector.add(
            _filename(part, index), ctype, data,
            inline=disposition == "inline" or (disposition is None and cid is not None),
            cid=str(cid).strip().strip("<>") if cid else None,
        )  # fmt: skip
    full = "\n\n".join(t.strip("\n") for t in plain)
    full = storable(_uuencoded(storable(full), collector)) if full else ""
    clean_html = sanitize_html(storable("\n".join(html))) if html else None
    if not full.strip() and html:
        full = storable(html_to_text("\n".join(html)))
    auto, reason, bounced, original = classify(
        headers, subject, sender.address if sender else "", message
    )
    message_ids = _ids(headers, "message-id")
    return ParsedMail(
        raw=raw,
        message_id=message_ids[0] if message_ids else None,
        sender=sender,
        to=_addresses(headers, "to"),
        cc=_addresses(headers, "cc"),
        reply_to=_addresses(headers, "reply-to"),
        subject=subject,
        date=_date(_one(headers, "date")),
        in_reply_to=_ids(headers, "in-reply-to"),
        references=_ids(headers, "references"),
        text=fold_quotes(full),
        full_text=full.strip(),
        html=clean_html,
        attachments=tuple(collector.attachments),
        auto=auto,
        auto_reason=reason,
        bounced=bounced,
        bounced_message_id=original,
        defects=tuple(dict.fromkeys(defects)),
    )
