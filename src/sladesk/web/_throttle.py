"""Throttling of failed sign-ins, per account (the e-mail address tried) and per client
address, in a sliding window: after ``per_account`` failures for one address in ``window``
(or ``per_address`` from one client), further attempts are refused without checking the
password until the oldest failure leaves the window. Nobody is locked out for ever, and a
real user waits minutes at most; a guesser gets a handful of tries per window.

The counts live in the process's memory: a restart forgets them, and with several worker
processes each keeps its own (docs/web.md). A successful sign-in clears its account's
failures.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

#: keys remembered at most (the oldest are forgotten first): bounds memory under a flood
_MAX_KEYS = 100_000


class SignInThrottle:
    def __init__(
        self,
        *,
        per_account: int = 5,
        per_address: int = 20,
        window: timedelta = timedelta(minutes=15),
    ) -> None:
        self.per_account = per_account
        self.per_address = per_address
        self.window = window
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, email: str, address: str, now: datetime) -> timedelta | None:
        """How long until this account and this client may try again; None: now."""
        with self._lock:
            waits = [
                self._wait(_account(email), self.per_account, now),
                self._wait(_address(address), self.per_address, now),
            ]
        found = [w for w in waits if w is not None]
        return max(found) if found else None

    def failed(self, email: str, address: str, now: datetime) -> None:
        with self._lock:
            for key in (_account(email), _address(address)):
                times = self._failures.pop(key, None) or deque()
                times.append(now)
                self._failures[key] = times  # most recent last
            while len(self._failures) > _MAX_KEYS:
                self._failures.popitem(last=False)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(_account(email), None)

    def _wait(self, key: str, limit: int, now: datetime) -> timedelta | None:
        times = self._failures.get(key)
        if not times:
            return None
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < limit:
            return None
        return times[-limit] + self.window - now


def _account(email: str) -> str:
    return "account:" + email.strip().lower()


def _address(address: str) -> str:
    return "address:" + address
