"""Process-wide caches shared by every unit of work of one container: parsed policies by
version id (compiling calendars is costly) and recently verified token secrets (so argon2
runs once per token per process, not once per request)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sladesk.policy import Policy


class Caches:
    def __init__(self, max_tokens: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._policies: dict[int, Policy] = {}
        self._tokens: OrderedDict[tuple[int, str], None] = OrderedDict()
        self._max_tokens = max_tokens

    def policy(self, version_id: int) -> Policy | None:
        return self._policies.get(version_id)

    def keep_policy(self, version_id: int, policy: Policy) -> None:
        with self._lock:
            self._policies[version_id] = policy

    def token_verified(self, token_id: int, digest: str) -> bool:
        with self._lock:
            if (token_id, digest) in self._tokens:
                self._tokens.move_to_end((token_id, digest))
                return True
            return False

    def keep_token(self, token_id: int, digest: str) -> None:
        with self._lock:
            self._tokens[(token_id, digest)] = None
            while len(self._tokens) > self._max_tokens:
                self._tokens.popitem(last=False)
