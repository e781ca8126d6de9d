"""What a route of any HTTP adapter (the JSON API, the web console) may ask for, as
annotated types, so that a route's signature reads as its contract (the fastapi template's
``SessionDep`` habit)::

    def reply(ticket_id: int, reply: ReplyCreate, actor: ActorDep, uow: UowDep,
              clock: ClockDep) -> TicketDetail | TicketPublic: ...

- :data:`ActorDep`: the caller, from ``Authorization: Bearer <token>`` through
  ``services.authenticate_token``; no or a bad token raises
  :class:`~sladesk.tickets.AuthenticationFailed` before the route runs (the API answers a
  401 problem). Routers built with ``route_class=OneHopRoute`` (``sladesk.http``)
  authenticate in the same thread-pool call as the route, with the same answers.
- :data:`UowDep`: a fresh unit of work for the one service the route calls.
- :data:`ClockDep`: the injected clock (a ``FixedClock`` in tests).
- :data:`SettingsDep`: the settings the container was built from (limits such as
  ``attachment_max_bytes``).

Nothing here decides who may do what: that is the services' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sladesk import services
from sladesk.config import Settings
from sladesk.services import Actor, AuthenticationFailed, Clock
from sladesk.store import UnitOfWork


class MissingCredentials(AuthenticationFailed):
    """A request without a bearer token (an adapter answers it as any failed
    authentication: the API with a 401 problem)."""

    def __init__(self) -> None:
        Exception.__init__(self, "an `Authorization: Bearer <token>` header is required")


class ServiceContainer(Protocol):
    """What an HTTP adapter needs of the wiring (``sladesk.bootstrap.Container`` is one)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def settings(self) -> Settings: ...

    def uow(self) -> UnitOfWork: ...


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerToken",
    description="An API token (`sladesk tokens create`): `Authorization: Bearer <token>`.",
)


# The trivial dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in the
# thread pool, one hop per dependency and request; these do no I/O, so they run on the loop.
# ``current_actor`` reads the database and stays a plain ``def`` (thread pool).


async def get_container(request: Request) -> ServiceContainer:
    container: ServiceContainer = request.app.state.container
    return container


ContainerDep = Annotated[ServiceContainer, Depends(get_container)]


async def get_clock(container: ContainerDep) -> Clock:
    return container.clock


async def new_uow(container: ContainerDep) -> UnitOfWork:
    return container.uow()


async def get_settings(container: ContainerDep) -> Settings:
    return container.settings


ClockDep = Annotated[Clock, Depends(get_clock)]
UowDep = Annotated[UnitOfWork, Depends(new_uow)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True, slots=True)
class BearerToken:
    """The token a request carries, not yet checked: :meth:`authenticate` reads the database
    (call it in the thread pool)."""

    container: ServiceContainer
    secret: str

    def authenticate(self) -> Actor:
        # an unknown or revoked token raises AuthenticationFailed: a 401 problem
        return services.authenticate_token(self.container.uow(), self.container.clock, self.secret)


async def bearer_token(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> BearerToken:
    """The request's bearer token; :class:`MissingCredentials` when there is none (no I/O:
    on the loop)."""
    if credentials is None or not credentials.credentials:
        raise MissingCredentials()
    return BearerToken(container, credentials.credentials)


def current_actor(token: Annotated[BearerToken, Depends(bearer_token)]) -> Actor:
    """The authenticated caller; AuthenticationFailed when there is no valid bearer token."""
    return token.authenticate()


ActorDep = Annotated[Actor, Depends(current_actor)]
