"""Mail written by machines, so that it opens no ticket and is never answered (no loops).

- **Auto-replies** (RFC 3834 and the habits before it): ``Auto-Submitted`` other than
  ``no``, ``X-Autoreply``/``X-Autorespond``, ``Precedence: bulk|auto_reply|junk``,
  out-of-office subjects in the desk's languages and a few more, and read receipts
  (``multipart/report; report-type=disposition-notification``).
- **Bounces**: delivery status notifications (``multipart/report;
  report-type=delivery-status``, RFC 3464) with each recipient's action and status, and
  the older mailer-daemon notices (``X-Failed-Recipients``, their subjects).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from email.message import Message
from email.parser import HeaderParser

from sladesk.channels.email._charsets import decode_bytes, decode_header_value, storable
from sladesk.channels.email._model import AutoKind, BouncedRecipient

__all__ = ["Classification", "classify"]

_OUT_OF_OFFICE = re.compile(
    r"^\s*(auto(matic|matische)?[ -]?(reply|response|antwort)|autoreply|auto:|"
    r"out of (the )?office|away from (the )?office|on vacation|abwesenheitsnotiz|"
    r"respuesta autom[áa]tica|fuera de (la )?oficina|resposta autom[áa]tica|"
    r"aus[êe]ncia|fora do escrit[óo]rio|r[ée]ponse automatique|absence)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliver(able|ed)|delivery status notification|returned mail|failure notice|"
    r"mail delivery (failed|failure|system)|delivery failure|non[- ]?remis|"
    r"no se puede entregar|n[ãa]o (foi )?entregue)",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)

#: (kind, reason, bounced recipients, Message-ID of the bounced message)
Classification = tuple[AutoKind | None, str, tuple[BouncedRecipient, ...], str | None]


def _first(headers: Mapping[str, Sequence[str]], name: str) -> str:
    values = headers.get(name)
    return storable(decode_header_value(values[0])).strip() if values else ""


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    raw = part.get_payload(decode=True)
    text = decode_bytes(raw)[0] if isinstance(raw, bytes) else str(payload)
    parser = HeaderParser()
    return [parser.parsestr(b.strip() + "\n") for b in re.split(r"\n\s*\n", text) if b.strip()]


def _text(value: object) -> str:
    """A delivery report's field as storable text (raw 8-bit bytes decoded, NUL dropped)."""
    return storable(decode_header_value(str(value)))


def _address(value: str) -> str:
    """``rfc822; someone@example.com`` -> ``someone@example.com``."""
    _type, _, address = value.partition(";")
    return (address or _type).strip().strip("<>").lower()


def _report(message: Message) -> tuple[tuple[BouncedRecipient, ...], str | None]:
    recipients: list[BouncedRecipient] = []
    original: str | None = None
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for block in _blocks(part)[1:]:
                fields = {k.lower(): str(v) for k, v in block.raw_items()}  # raw: 8-bit kept
                final = fields.get("final-recipient") or fields.get("original-recipient")
                if not final:
                    continue
                recipients.append(
                    BouncedRecipient(
                        address=_address(_text(final)),
                        action=_text(fields.get("action", "")).strip().lower(),
                        status=_text(fields.get("status", "")).strip().split(" ")[0],
                        diagnostic=" ".join(_text(fields.get("diagnostic-code", "")).split()),
                    )
                )
        elif ctype in ("message/rfc822", "text/rfc822-headers") and original is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found = inner[0].get("Message-ID")
            else:
                raw = part.get_payload(decode=True)
                text = decode_bytes(raw)[0] if isinstance(raw, bytes) else str(inner)
                found = HeaderParser().parsestr(text).get("Message-ID")
            if found:
                ids = re.findall(r"<([^<>\s]+)>", _text(found))
                original = ids[0] if ids else _text(found).strip()
    return tuple(recipients), original


def classify(
    headers: Mapping[str, Sequence[str]], subject: str, sender: str, message: Message
) -> Classification:
    """Whether ``message`` was written by a machine, and why (see the module docstring).
    ``headers``: raw values by lower-cased name."""
    ctype = message.get_content_type()
    report_type = str(message.get_param("report-type", "") or "").lower()
    has_status = any(p.get_content_type() == "message/delivery-status" for p in message.walk())
    if ctype == "multipart/report" and (report_type == "delivery-status" or has_status):
        recipients, original = _report(message)
        return (
            AutoKind.BOUNCE,
            "multipart/report; report-type=delivery-status",
            recipients,
            original,
        )
    failed = _first(headers, "x-failed-recipients")
    carries_original = any(
        p.get_content_type() in ("message/rfc822", "text/rfc822-headers") for p in message.walk()
    )
    if failed or _DAEMON.match(sender) or (_BOUNCE_SUBJECT.match(subject) and carries_original):
        reported, original = _report(message)
        recipients = reported or tuple(
            BouncedRecipient(a.strip().lower(), "failed", "5.0.0")
            for a in failed.split(",")
            if "@" in a
        )
        return AutoKind.BOUNCE, "mailer-daemon notice", recipients, original
    if ctype == "multipart/report":
        return AutoKind.AUTO_REPLY, f"multipart/report; report-type={report_type}", (), None
    submitted = _first(headers, "auto-submitted").lower()
    if submitted and submitted.split(";")[0].strip() != "no":
        return AutoKind.AUTO_REPLY, f"Auto-Submitted: {submitted}", (), None
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in headers:
            return AutoKind.AUTO_REPLY, f"{name}: {_first(headers, name)}", (), None
    precedence = _first(headers, "precedence").lower()
    if precedence in ("bulk", "auto_reply", "junk"):
        return AutoKind.AUTO_REPLY, f"Precedence: {precedence}", (), None
    if _OUT_OF_OFFICE.match(subject):
        return AutoKind.AUTO_REPLY, "out-of-office subject", (), None
    return None, "", (), None
