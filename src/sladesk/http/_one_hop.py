"""How a route of any HTTP adapter runs (the JSON API's, the web console's): the caller's
authentication and the route in one thread-pool call.

FastAPI runs each plain ``def`` dependency in a thread-pool call of its own, then the plain
``def`` route in another, then the validation of what the route returned in a third. For a
route that declares :data:`~sladesk.http.ActorDep` (a database read) that is three hops
per request, and each is a thread wake-up and two hand-overs of the GIL: under load a request
waits for the GIL at each of them, which is where most of its latency went. A router built
with ``route_class=OneHopRoute`` keeps its routes written the plain way::

    @router.post("", response_model=TicketOut)
    def create_ticket(ticket: TicketCreate, actor: ActorDep, uow: UowDep, ...) -> Ticket:

and hands FastAPI an ``async`` stand-in with the same signature, except that the
``ActorDep`` parameters become the request's bearer credentials (the ``HTTPBearer`` scheme,
so the OpenAPI document is unchanged; checked for presence on the event loop, so a missing
token is still a 401 problem before anything else), and the parameters that come from the
container (``UowDep``, ``ClockDep``, ``SettingsDep``, ``ContainerDep``) are left out: the
stand-in supplies them itself. FastAPI solved each of those as a dependency of its own (with
the container under it), per request, on the event loop: that was ~40 % of the loop's CPU
for a create. The stand-in makes one thread-pool call that authenticates the token (every
request, against the database: a revoked token or a deactivated owner is refused at once)
and runs the route; FastAPI then validates and encodes the result on the event loop (the
result is already an instance of the response model: validating it is a type check).

The hop itself is ``loop.run_in_executor`` on a thread pool of this module (:func:`hop`) of
``settings.route_threads`` threads (``SLADESK_API_THREADS``, 4, and never more than the
process has database connections, so that a route never waits for one). Few, because the
routes are mostly Python under one GIL: 40 threads (AnyIO's default) in each of two
processes, all runnable under a burst on two cores, passed the GIL around for nothing,
starved the event loop that parses requests and answers them, and outnumbered the
connections, so that the pool opened overflow connections and closed them again
(``store/_engine.py``). At 300 creations/s open loop on PostgreSQL, 4 threads per process
answered with a p99 of 54 ms where 10 gave 327 ms (``docs/performance.md``). A request past
the threads waits in the pool's queue; past ``settings.max_in_flight`` it is not taken at
all (``api/_admission.py``). The hop runs with
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
from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import Request
from starlette.responses import Response

from sladesk.http._deps import (
    BearerToken,
    ServiceContainer,
    bearer,
    bearer_token,
    current_actor,
    get_clock,
    get_container,
    get_settings,
    new_uow,
)

__all__ = ["OneHopRoute", "hop"]

T = TypeVar("T")

#: the route thread pools of this process, by size (one per size: the apps a test suite
#: builds share them instead of each leaving its own idle threads behind)
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_guard = threading.Lock()


def _executor(threads: int) -> ThreadPoolExecutor:
    pool = _pools.get(threads)
    if pool is None:
        with _pools_guard:
            pool = _pools.get(threads)
            if pool is None:
                pool = ThreadPoolExecutor(threads, thread_name_prefix="sladesk-api")
                _pools[threads] = pool
    return pool


async def hop(container: ServiceContainer, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on one of ``container``'s route threads
    (``settings.route_threads`` of them), in a copy of the caller's context."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        _executor(container.settings.route_threads), functools.partial(context.run, function, *args)
    )


#: what the stand-in adds to a route's parameters: the request (for its container) and, for a
#: route that authenticates, the bearer credentials (named so as not to meet a route's own)
_REQUEST = "sladesk_request"
_CREDENTIALS = "sladesk_credentials"
_CREDENTIALS_TYPE = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

#: dependencies the stand-in supplies from the container in the route's thread, by the
#: function a parameter's ``Depends`` names
_FROM_CONTAINER: dict[Callable[..., Any], Callable[[ServiceContainer], Any]] = {
    get_container: lambda container: container,
    get_clock: lambda container: container.clock,
    new_uow: lambda container: container.uow(),
    get_settings: lambda container: container.settings,
}


def _depends_on(annotation: Any) -> Callable[..., Any] | None:
    """The function a parameter annotated ``Annotated[T, Depends(f)]`` depends on."""
    for m in getattr(annotation, "__metadata__", ()):
        if isinstance(m, params.Depends):
            return m.dependency
    return None


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
                # the route never ran, so nobody has checked the token: a missing or bad one
                # is a 401, not a 422
                container = request.app.state.container
                token = await bearer_token(container, await bearer(request))
                await hop(container, token.authenticate)
                raise

        return authenticated_first


def _in_one_hop(endpoint: Callable[..., Any]) -> tuple[Callable[..., Any], tuple[str, ...]]:
    """An ``async`` stand-in for the plain ``def`` route ``endpoint`` and the names of the
    parameters it authenticates."""
    hints = typing.get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    actors: list[str] = []
    provided: list[tuple[str, Callable[[ServiceContainer], Any]]] = []
    declared: list[inspect.Parameter] = []
    for p in signature.parameters.values():
        annotation = hints.get(p.name, p.annotation)
        dependency = _depends_on(annotation)
        if dependency is current_actor:
            actors.append(p.name)
        elif dependency is not None and dependency in _FROM_CONTAINER:
            provided.append((p.name, _FROM_CONTAINER[dependency]))
        else:
            declared.append(p.replace(annotation=annotation))
    keyword = inspect.Parameter.KEYWORD_ONLY
    # FastAPI hands the request to one parameter only: the route's own, if it has one
    own = next((p.name for p in declared if p.annotation is Request), None)
    if own is None:
        declared.append(inspect.Parameter(_REQUEST, keyword, annotation=Request))
    if actors:
        declared.append(inspect.Parameter(_CREDENTIALS, keyword, annotation=_CREDENTIALS_TYPE))

    def call(container: ServiceContainer, token: BearerToken | None, values: dict[str, Any]) -> Any:
        for name, provide in provided:
            values[name] = provide(container)
        if token is not None:
            actor = token.authenticate()
            for name in actors:
                values[name] = actor
        return endpoint(**values)

    @functools.wraps(endpoint)
    async def in_one_hop(**values: Any) -> Any:
        request = values[own] if own is not None else values.pop(_REQUEST)
        container: ServiceContainer = request.app.state.container
        token = None
        if actors:  # a missing token is a 401 here, before the hop
            token = await bearer_token(container, values.pop(_CREDENTIALS))
        return await hop(container, call, container, token, values)

    # keyword-only parameters may come in any order; positional ones keep theirs
    declared.sort(key=lambda p: p.kind)
    in_one_hop.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=declared, return_annotation=hints.get("return", signature.return_annotation)
    )
    return in_one_hop, tuple(actors)
