"""Routes that take files: the request body is cut off past the upload limit.

FastAPI reads a multipart body in full (spooling files to disk) before a route or any of its
dependencies runs, so a route alone cannot refuse a large upload before it is received. A
router built with ``route_class=UploadRoute`` counts the body as the server hands it over:
a ``Content-Length`` over the limit is refused before a byte of the body is read, and a body
that grows past it (chunked, or a lying header) is refused at that point. Either way the
answer is a ``413`` ``content-too-large`` problem, from the same handlers as every other
error, and the route never runs.

The limit is the container's ``settings.attachment_max_bytes`` plus :data:`MULTIPART_OVERHEAD`
for the multipart framing (boundaries, part headers, small form fields): this is the coarse
guard. The exact one, a file of at most ``attachment_max_bytes``, is the route's, once the
file is parsed. It is checked before the caller is authenticated: a body over the limit is
refused whoever sends it.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from sladesk.http import OneHopRoute

__all__ = ["MULTIPART_OVERHEAD", "UploadRoute", "too_large"]

#: what a multipart body may carry beyond the file itself
MULTIPART_OVERHEAD: Final = 64 * 1024


def too_large(limit: int) -> HTTPException:
    """The error a body over ``limit`` bytes is refused with (a ``413`` problem)."""
    return HTTPException(413, f"an attachment may be at most {limit} bytes")


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.isdigit():
        return None
    return int(value)


class UploadRoute(OneHopRoute):
    """A :class:`~sladesk.http.OneHopRoute` whose request body may be at most the
    upload limit (see the module's docstring)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().handle(scope, receive, send)
            return
        file_limit: int = scope["app"].state.container.settings.attachment_max_bytes
        limit = file_limit + MULTIPART_OVERHEAD
        declared = _declared_length(scope)
        received = 0

        async def limited() -> Message:
            # raised from inside the body's parsing: FastAPI lets an HTTPException through
            # to the app's handlers, which answer it as a problem document
            nonlocal received
            if declared is not None and declared > limit:
                raise too_large(file_limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(file_limit)
            return message

        await super().handle(scope, limited, send)
