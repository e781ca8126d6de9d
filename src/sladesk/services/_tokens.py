"""API tokens: issued once (the secret is returned, only its SHA-256 digest is kept),
verified on every call. A secret reads ``sld_<prefix>_<random>``: the public prefix finds the
row (one SELECT, joined with its owner), and the digest of the whole secret is compared with
``hmac.compare_digest``.

Why SHA-256 and not argon2: a token's random part has 256 bits of entropy (32 bytes from
``secrets``), so nobody can guess it from its digest whatever the hash's cost; a slow,
salted hash is for human passwords (contacts' and agents', ``_people.py``), whose entropy is
low. GitHub and Stripe store API tokens this way. A per-request argon2 (~50-100 ms of CPU)
would be the cost of every API call. Tokens issued before 0.2 (``$argon2…`` in
``secret_hash``) are still accepted: verified once with argon2 and rewritten as SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sladesk.services._dtos import IssuedToken, TokenView
from sladesk.services.clock import Clock
from sladesk.store import ApiToken, TokenOwner, UnitOfWork
from sladesk.tickets import (
    Actor,
    AuthenticationFailed,
    Forbidden,
    InvalidRequest,
    NotFound,
    Role,
    Scope,
)

_legacy = PasswordHasher()
_TOUCH_EVERY = timedelta(minutes=5)
#: the stored form of a token: ``sha256$<hex digest of the whole secret>``
_SCHEME = "sha256$"


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
                prefix=prefix, secret_hash=stored_hash(secret), name=name,
                agent_id=agent_id, contact_id=contact_id, created_at=now,
            )
        )  # fmt: skip
        uow.audit.add(now, actor.key, "sladesk.token.created",
                      {"id": row.id, "prefix": prefix, "name": name})  # fmt: skip
        view = token_view(row)
        uow.commit()
    return IssuedToken(token=view, secret=secret)


def authenticate_token(uow: UnitOfWork, clock: Clock, secret: str) -> Actor:
    """The actor a bearer token stands for; :class:`AuthenticationFailed` for anything else
    (unknown, malformed, revoked, or its owner deactivated). One SELECT (token and owner);
    a write only every few minutes, to keep ``last_used_at``."""
    now = clock.now()
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != "sld" or not parts[1]:
        raise AuthenticationFailed()
    with uow.single_read():
        found = uow.tokens.with_owner(parts[1])
    if found is None:
        raise AuthenticationFailed()
    if found.revoked_at is not None or not _matches(found.secret_hash, secret):
        raise AuthenticationFailed()
    actor = _owner(found)
    rehash = not found.secret_hash.startswith(_SCHEME)
    stale = rehash or found.last_used_at is None or now - found.last_used_at > _TOUCH_EVERY
    token_id = found.token_id
    if stale:
        with uow:
            fresh = uow.tokens.get(token_id)
            if fresh is not None:
                fresh.last_used_at = now
                if rehash:
                    fresh.secret_hash = stored_hash(secret)
            uow.commit()
    return actor


def stored_hash(secret: str) -> str:
    """What ``api_tokens.secret_hash`` keeps of a secret."""
    return _SCHEME + hashlib.sha256(secret.encode()).hexdigest()


def _matches(stored: str, secret: str) -> bool:
    if stored.startswith(_SCHEME):
        return hmac.compare_digest(stored, stored_hash(secret))
    try:  # a token issued before 0.2: argon2, rewritten as SHA-256 once it is verified
        return _legacy.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def _owner(found: TokenOwner) -> Actor:
    if found.agent is not None:
        agent = found.agent
        if not agent.active:
            raise AuthenticationFailed()
        return Actor.agent(agent.id, agent.role, name=agent.name, email=agent.email)
    if found.contact is not None:
        contact = found.contact
        if not contact.active:
            raise AuthenticationFailed()
        return Actor.contact(contact.id, contact.organization_id, name=contact.name,
                             email=contact.email)  # fmt: skip
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


def list_api_tokens(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, everyone: bool = False
) -> list[TokenView]:
    """The caller's own tokens, newest first (revoked ones included, marked); an admin may
    ask for ``everyone``'s. Secrets are never shown again: only prefixes and names."""
    if everyone and not actor.is_admin:
        raise Forbidden("only admins can list everyone's tokens")
    if not everyone and not (actor.is_agent or actor.is_contact):
        raise InvalidRequest("only people own tokens", field="everyone")
    with uow.read_only():
        rows = uow.tokens.listed(
            agent_id=actor.id if actor.is_agent else None,
            contact_id=actor.id if actor.is_contact else None,
            everyone=everyone,
        )
        return [token_view(r) for r in rows]


def token_view(row: ApiToken) -> TokenView:
    owner_kind = "agent" if row.agent_id is not None else "contact"
    owner_id = row.agent_id if row.agent_id is not None else row.contact_id
    return TokenView(
        id=row.id, prefix=row.prefix, name=row.name, owner_kind=owner_kind,
        owner_id=int(owner_id or 0), created_at=row.created_at, last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )  # fmt: skip
