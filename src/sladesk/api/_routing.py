"""How a route runs: the caller's authentication and the route in one thread-pool call.

FastAPI runs each plain ``def`` dependency in a thread-pool call of its own, then the plain
``def`` route in another, then the validation of what the route returned in a third. For a
route that declares :data:`~sladesk.api.deps.ActorDep` (a database read) that is three hops
per request, and each is a thread wake-up and two hand-overs of the GIL: under load a request
waits for the GIL at each of them, which is where most of its latency went. A router built
with ``route_class=OneHopRoute`` keeps its routes written the plain way::

    @router.post("", response_model=TicketOut)
    def create_ticket(ticket: TicketCreate, actor: ActorDep, uow: UowDep, ...) -> Ticket:

and hands FastAPI an ``async`` stand-in with the same signature, except that each
``ActorDep`` parameter becomes the bearer token (:func:`~sladesk.api.deps.bearer_token`:
checked for presence on the event loop, so a missing token is still a 401 problem before
anything else). The stand-in makes one thread-pool call that authenticates the token (every
request, against the database: a revoked token or a deactivated owner is refused at once)
and runs the route; FastAPI then validates and encodes the result on the event loop (the
result is already an instance of the response model: validating it is a type check).

The hop itself is ``loop.run_in_executor`` on a thread pool of this module (:func:`hop`), with
the request's context copied as Starlette's ``run_in_threadpool`` does: the latter goes through
AnyIO's cancel scopes and capacity limiter, ~115 µs of CPU per call on the event loop against
~45 µs (measured side by side, 8 concurrent callers). Neither interrupts a route that has
started: a client that goes away does not cut a transaction in half.

What the caller sees is unchanged, including which problem comes first: when the request is
also invalid (a 422), the token is authenticated before that is answered, so a bad token is
a 401 whatever the body says. That costs a thread-pool call on the error path only.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
import typing
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, TypeVar

from fastapi import Depends, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from sladesk.api.deps import BearerToken, bearer, bearer_token, current_actor

__all__ = ["OneHopRoute", "hop"]

T = TypeVar("T")

#: threads that run routes; as many as AnyIO's default limiter allowed (its 40 tokens): a
#: request past that waits for a thread, as it did
THREADS = 40

_pool: ThreadPoolExecutor | None = None
_pool_guard = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_guard:
            if _pool is None:
                _pool = ThreadPoolExecutor(THREADS, thread_name_prefix="sladesk-api")
    return _pool


async def hop(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on a route thread, in a copy of the caller's context."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        _executor(), functools.partial(context.run, function, *args)
    )


#: what an ``ActorDep`` parameter is replaced with in the signature FastAPI reads
_TOKEN = Annotated[BearerToken, Depends(bearer_token)]


def _is_actor(annotation: Any) -> bool:
    """Is this parameter annotation :data:`~sladesk.api.deps.ActorDep`?"""
    return any(
        isinstance(m, params.Depends) and m.dependency is current_actor
        for m in getattr(annotation, "__metadata__", ())
    )


class OneHopRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        self.authenticates = False
        if not inspect.iscoroutinefunction(endpoint):
            endpoint, actors = _in_one_hop(endpoint)
            self.authenticates = bool(actors)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        if not self.authenticates:
            return handle

        async def authenticated_first(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError:
                # the token was present (else a 401 was raised before the body was read),
                # but nobody has checked it yet: a bad one is a 401, not a 422
                token = await bearer_token(request.app.state.container, await bearer(request))
                await hop(token.authenticate)
                raise

        return authenticated_first


def _in_one_hop(endpoint: Callable[..., Any]) -> tuple[Callable[..., Any], tuple[str, ...]]:
    """An ``async`` stand-in for the plain ``def`` route ``endpoint`` and the names of the
    parameters it authenticates."""
    hints = typing.get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    actors = tuple(name for name in signature.parameters if _is_actor(hints.get(name)))
    parameters = [
        p.replace(annotation=_TOKEN if p.name in actors else hints.get(p.name, p.annotation))
        for p in signature.parameters.values()
    ]

    def call(values: dict[str, Any]) -> Any:
        for name in actors:
            values[name] = values[name].authenticate()
        return endpoint(**values)

    @functools.wraps(endpoint)
    async def in_one_hop(**values: Any) -> Any:
        return await hop(call, values)

    in_one_hop.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=hints.get("return", signature.return_annotation)
    )
    return in_one_hop, actors
