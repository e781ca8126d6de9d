"""Process-wide caches shared by every unit of work of one container: parsed policies by
version id (compiling calendars is costly; a version's text never changes once published)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sladesk.policy import Policy


class Caches:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._policies: dict[int, Policy] = {}

    def policy(self, version_id: int) -> Policy | None:
        return self._policies.get(version_id)

    def keep_policy(self, version_id: int, policy: Policy) -> None:
        with self._lock:
            self._policies[version_id] = policy
