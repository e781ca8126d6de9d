"""The request path every HTTP adapter shares: the JSON API (``sladesk.api``) and the
server-rendered web console use the same route class and the same dependencies, and never
import each other's modules.

- :class:`OneHopRoute`: a router built with ``route_class=OneHopRoute`` runs the caller's
  authentication, the unit of work and the route body in one thread-pool call
  (``_one_hop.py`` says why and what it costs); :func:`hop` is that call.
- The dependencies a route declares (``_deps.py``): :data:`ActorDep` (the authenticated
  caller; :class:`~sladesk.tickets.AuthenticationFailed` when there is none, which each
  adapter answers its own way), :data:`UowDep`, :data:`ClockDep`, :data:`SettingsDep`,
  :data:`ContainerDep`, and :class:`ServiceContainer`, what the adapter needs of the
  wiring (``sladesk.bootstrap.Container`` is one).
"""

from sladesk.http._deps import (
    ActorDep,
    BearerToken,
    ClockDep,
    ContainerDep,
    MissingCredentials,
    ServiceContainer,
    SettingsDep,
    UowDep,
    bearer,
    bearer_token,
    current_actor,
)
from sladesk.http._one_hop import OneHopRoute, hop

__all__ = [
    "ActorDep",
    "BearerToken",
    "ClockDep",
    "ContainerDep",
    "MissingCredentials",
    "OneHopRoute",
    "ServiceContainer",
    "SettingsDep",
    "UowDep",
    "bearer",
    "bearer_token",
    "current_actor",
    "hop",
]
