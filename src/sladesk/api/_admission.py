"""Admission control: an API process takes at most ``settings.max_in_flight`` requests at
once and answers the next one ``503`` with ``Retry-After`` straight away.

Why: past the rate a machine sustains, an open stream of requests (clients that do not wait
for each other: browsers, integrations, a proxy's many connections) only grows the queue in
front of the route threads, and every request in it waits longer than the last, for seconds,
while its client has often given up and the work is done for nobody. A bounded number in
flight keeps the wait of an admitted request to what that many ahead of it cost (at a few
milliseconds each, well under a second), and a refused client learns at once that it should
come back, with the standard header that says when. ``503`` is what HTTP defines for "cannot
handle the request right now"; the answer is a problem document like every other error.

The count is per process (each of ``serve --workers N`` admits its own), kept on the event
loop, so it needs no lock. A request counts from the moment its headers are read until its
answer is sent, including the time it waits for a route thread; a route that has started is
never cut short. ``/api/v1/health`` is not counted: it touches no database and must answer
while the process is busy, or a supervisor would restart a process that is only loaded.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from sladesk.api.problems import OVERLOADED, problem_response

__all__ = ["AdmissionLimit", "RETRY_AFTER_SECONDS"]

#: what ``Retry-After`` tells a refused client: long enough for the queue in front of it to
#: drain (it holds at most ``max_in_flight`` requests of a few milliseconds each)
RETRY_AFTER_SECONDS = 1


class AdmissionLimit:
    """ASGI middleware: at most ``limit`` HTTP requests in flight; paths in ``exempt`` are
    not counted."""

    def __init__(self, app: ASGIApp, *, limit: int, exempt: frozenset[str] = frozenset()):
        self.app = app
        self.limit = limit
        self.exempt = exempt
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            response = problem_response(
                Request(scope),
                OVERLOADED,
                f"This server is working on as many requests as it takes at once"
                f" ({self.limit}); try again in {RETRY_AFTER_SECONDS} s.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
