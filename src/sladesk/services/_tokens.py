"""API tokens: issued once (the secret is returned, only its argon2 hash is kept), verified
per call. A secret reads ``sld_<prefix>_<random>``: the prefix finds the row, argon2 checks
the rest. Verified secrets are remembered per process (by SHA-256) so argon2 runs once per
token and process, not per request; revocation is still read from the row every time."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sladesk.services._views import IssuedToken, TokenView
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.store._tables import ApiToken
from sladesk.tickets import (
    Actor,
    AuthenticationFailed,
    Forbidden,
    InvalidRequest,
    NotFound,
    Role,
    Scope,
)

_hasher = PasswordHasher()
_TOUCH_EVERY = timedelta(minutes=5)


def create_api_token(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    agent_id: int | None = None,
    contact_id: int | None = None,
    name: str = "",
) -> IssuedToken:
    """A token for an agent or a contact (default: the caller). Admins issue for anyone;
    others only for themselves."""
    now = clock.now()
    if agent_id is not None and contact_id is not None:
        raise InvalidRequest("a token belongs to an agent or a contact, not both", field="agent_id")
    if agent_id is None and contact_id is None:
        if actor.is_agent:
            agent_id = actor.id
        elif actor.is_contact:
            contact_id = actor.id
        else:
            raise InvalidRequest("say whose token this is", field="agent_id")
    own = (agent_id is not None and actor.is_agent and agent_id == actor.id) or (
        contact_id is not None and actor.is_contact and contact_id == actor.id
    )
    if not own and not actor.has_role(Role.ADMIN):
        raise Forbidden("only admins can issue tokens for others")
    prefix = secrets.token_hex(6)
    secret = f"sld_{prefix}_{secrets.token_urlsafe(32)}"
    with uow:
        try:
            if agent_id is not None:
                uow.people.agent(agent_id)
            elif contact_id is not None:
                uow.people.contact(Scope.all_organizations(), contact_id)
        except NotFound as exc:
            field = "agent_id" if agent_id is not None else "contact_id"
            raise InvalidRequest(str(exc), field=field) from None
        row = uow.tokens.add(
            ApiToken(
                prefix=prefix, secret_hash=_hasher.hash(secret), name=name,
                agent_id=agent_id, contact_id=contact_id, created_at=now,
            )
        )  # fmt: skip
        uow.audit.add(now, actor.key, "sladesk.token.created",
                      {"id": row.id, "prefix": prefix, "name": name})  # fmt: skip
        view = token_view(row)
        uow.commit()
    uow.caches.keep_token(view.id, _digest(secret))
    return IssuedToken(token=view, secret=secret)


def authenticate_token(uow: UnitOfWork, clock: Clock, secret: str) -> Actor:
    """The actor a bearer token stands for; :class:`AuthenticationFailed` for anything else
    (unknown, malformed, revoked, or its owner deactivated)."""
    now = clock.now()
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != "sld" or not parts[1]:
        raise AuthenticationFailed()
    with uow.read_only():
        row = uow.tokens.by_prefix(parts[1])
        if row is None or row.revoked_at is not None:
            raise AuthenticationFailed()
        digest = _digest(secret)
        if not uow.caches.token_verified(row.id, digest):
            try:
                _hasher.verify(row.secret_hash, secret)
            except (VerificationError, InvalidHashError):
                raise AuthenticationFailed() from None
            uow.caches.keep_token(row.id, digest)
        actor = _owner(uow, row)
        stale = row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY
        token_id = row.id
    if stale:
        with uow:
            fresh = uow.tokens.get(token_id)
            if fresh is not None:
                fresh.last_used_at = now
            uow.commit()
    return actor


def _owner(uow: UnitOfWork, row: ApiToken) -> Actor:
    if row.agent_id is not None:
        agent = uow.people.agent(row.agent_id)
        if not agent.active:
            raise AuthenticationFailed()
        return Actor.agent(agent.id, agent.role, name=agent.name, email=agent.email)
    if row.contact_id is not None:
        c = uow.people.contact(Scope.all_organizations(), row.contact_id)
        return Actor.contact(c.id, c.organization_id, name=c.name, email=c.email)
    raise AuthenticationFailed()


def revoke_api_token(uow: UnitOfWork, clock: Clock, actor: Actor, token_id: int) -> TokenView:
    now = clock.now()
    with uow:
        row = uow.tokens.get(token_id)
        own = row is not None and (
            (actor.is_agent and row.agent_id == actor.id)
            or (actor.is_contact and row.contact_id == actor.id)
        )
        if row is None or not (own or actor.is_admin):
            raise NotFound("token", token_id)
        if row.revoked_at is None:
            row.revoked_at = now
            uow.audit.add(now, actor.key, "sladesk.token.revoked", {"id": row.id})
        view = token_view(row)
        uow.commit()
    return view


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_view(row: ApiToken) -> TokenView:
    owner_kind = "agent" if row.agent_id is not None else "contact"
    owner_id = row.agent_id if row.agent_id is not None else row.contact_id
    return TokenView(
        id=row.id, prefix=row.prefix, name=row.name, owner_kind=owner_kind,
        owner_id=int(owner_id or 0), created_at=row.created_at, last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )  # fmt: skip
