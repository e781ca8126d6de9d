"""``/tokens``: API tokens. Anyone issues, lists and revokes their own; admins also those of
others. Revocation takes effect on the next request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id
from sladesk.api.schemas.tokens import TokenCreate, TokenIssued, TokenPublic
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/tokens", tags=["tokens"], route_class=OneHopRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_token(token: TokenCreate, actor: ActorDep, uow: UowDep, clock: ClockDep) -> TokenIssued:
    """Issue a token (for the caller, or as an admin for ``agent_id`` or ``contact_id``).
    The answer holds the secret: it is shown this once."""
    issued = services.create_api_token(
        uow, clock, actor, agent_id=token.agent_id, contact_id=token.contact_id, name=token.name
    )
    return TokenIssued.of(issued)


@router.get("")
def list_tokens(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    everyone: Annotated[bool, Query(description="every token (admins)")] = False,
) -> list[TokenPublic]:
    """The caller's tokens, newest first, revoked ones included; never their secrets."""
    views = services.list_api_tokens(uow, clock, actor, everyone=everyone)
    return [TokenPublic.model_validate(v) for v in views]


@router.delete("/{token_id}")
def revoke_token(token_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> TokenPublic:
    """Revoke a token (one's own, or any as an admin): refused from the next request on.
    Revoking a revoked token changes nothing."""
    return TokenPublic.model_validate(services.revoke_api_token(uow, clock, actor, token_id))
