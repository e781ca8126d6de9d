"""HMAC-SHA256 signatures for webhook bodies, in the one header format sladesk sends.

``X-Sladesk-Signature: t=<unix seconds>,v1=<hex>`` where ``hex`` is
``HMAC-SHA256(secret, f"{t}.".encode() + body)``. The timestamp is signed with the body, so a
receiver that checks it against its own clock (``tolerance``) refuses replays of old
deliveries. Several ``v1=`` entries may appear while a secret is being rotated; any one
matching is enough. Pure functions: ``now`` is an argument.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sladesk.errors import NaiveDatetimeError

__all__ = ["SIGNATURE_HEADER", "sign", "signature_header", "verify_signature"]

SIGNATURE_HEADER = "X-Sladesk-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}." + body`` under ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, now: datetime) -> str:
    """The value of ``X-Sladesk-Signature`` for ``body`` sent at ``now``."""
    if now.tzinfo is None:
        raise NaiveDatetimeError("now", now)
    t = int(now.timestamp())
    return f"t={t},v1={sign(secret, t, body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    now: datetime,
    tolerance: timedelta = timedelta(minutes=5),
) -> bool:
    """True when ``header`` carries a ``v1`` signature of ``body`` under ``secret`` and its
    timestamp lies within ``tolerance`` of ``now`` (either side: clocks drift). Malformed
    headers are simply not valid; comparison is constant-time."""
    if now.tzinfo is None:
        raise NaiveDatetimeError("now", now)
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
