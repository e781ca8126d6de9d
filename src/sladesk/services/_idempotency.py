"""Idempotency keys remember the request they were first used with.

A caller that retries a request with the same ``Idempotency-Key`` gets the first answer, the
work done once. The same key with a *different* request is a mistake (a client reusing keys,
or two different payloads racing under one key): answering the first result would drop the
new content silently, so it is refused, as the IETF Idempotency-Key draft
(``draft-ietf-httpapi-idempotency-key-header``) and Stripe do. What tells requests apart is a
fingerprint: the SHA-256 of the operation's name and its input as canonical JSON (sorted
keys, no spaces), stored with the key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from sladesk.tickets import InvalidRequest

#: the name a reused key's error is reported on (the HTTP header of the same name; a channel
#: that keys on something else says so in its own terms)
KEY_FIELD = "Idempotency-Key"


def request_fingerprint(operation: str, request: Any) -> str:
    """The SHA-256 (hex) of ``operation`` and ``request`` (a dataclass or JSON-like value) as
    canonical JSON: equal requests give equal fingerprints, whatever their key order."""
    is_instance = dataclasses.is_dataclass(request) and not isinstance(request, type)
    payload = dataclasses.asdict(request) if is_instance else request
    canonical = json.dumps(
        [operation, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
        default=list,
    )  # fmt: skip
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_same_request(stored: str | None, fingerprint: str) -> None:
    """Refuse a key first used with another request (a key stored before fingerprints were
    kept matches any request)."""
    if stored is not None and stored != fingerprint:
        raise InvalidRequest(
            "this Idempotency-Key was first used with a different request; use a new key "
            "for a new request, or repeat the first request unchanged to get its answer",
            field=KEY_FIELD,
            code="idempotency.key_reused",
        )
