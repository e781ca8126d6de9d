"""API tokens: issued once (the secret is returned, only a hash is kept), verified per call."""

from __future__ import annotations

from sladesk.services._views import *  # noqa: F403
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor


def create_api_token(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    agent_id: int | None = None,
    contact_id: int | None = None,
    name: str = "",
) -> IssuedToken:
    raise NotImplementedError


def authenticate_token(uow: UnitOfWork, clock: Clock, secret: str) -> Actor:
    raise NotImplementedError


def revoke_api_token(uow: UnitOfWork, clock: Clock, actor: Actor, token_id: int) -> TokenView:
    raise NotImplementedError
