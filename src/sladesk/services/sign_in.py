"""Signing in with an e-mail address and a password (agents and contacts), and finding the
person a browser session stands for on every later request.

Passwords are the argon2 hashes that ``create_agent``/``create_contact``/``update_*`` store
(``_people.hash_password``). A session carries a *credential stamp*, a digest of the
password hash it was opened with: a new password (set by an admin, or by ``sladesk people
set-password``) changes the stamp, so every session opened with the old one ends on its
next request, as does deactivation. API tokens are untouched by any of this.

Throttling of failed attempts is the web adapter's (it knows the client's address); these
functions only say yes or no, and take the same time for an unknown address as for a wrong
password (a dummy hash is verified), so that timing does not tell who has an account.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sladesk.services._people import hash_password
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor, AuthenticationFailed, Forbidden, NotFound, Scope

_hasher = PasswordHasher()
#: verified when nobody has the address, so that both answers take an argon2 verification
_DUMMY_HASH = _hasher.hash("not anyone's password")


@dataclass(frozen=True, slots=True)
class SignedInPerson:
    """Who a session is: the actor the services are called as, what to show them in
    (``locale``: their profile's, None when it says nothing, and the browser's
    ``Accept-Language`` decides; ``fallback_locale``: when neither does, e.g. the contact's
    organisation's; ``time_zone`` None: the web adapter's choice), and the stamp of the
    credentials the session was opened with."""

    actor: Actor
    kind: str  # agent | contact
    locale: str | None
    time_zone: str | None
    stamp: str
    fallback_locale: str | None = None


def credential_stamp(password_hash: str) -> str:
    """A short digest of a stored password hash: changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def sign_in(uow: UnitOfWork, clock: Clock, email: str, password: str) -> SignedInPerson:
    """The active person with this e-mail address and password; :class:`AuthenticationFailed`
    for an unknown address, a wrong password, no password set, or a deactivated person (one
    answer for all, so that it tells nothing). A successful sign-in is audited."""
    now = clock.now()
    with uow.read_only():
        person = uow.people.person_by_email(email)
        stored = person.password_hash if person is not None else None
    if not _verify(stored or _DUMMY_HASH, password) or person is None or stored is None:
        raise AuthenticationFailed()
    kind = "agent" if hasattr(person, "role") else "contact"
    found = session_person(uow, clock, kind, person.id, credential_stamp(stored))
    with uow:
        uow.audit.add(now, found.actor.key, "sladesk.web.signed_in", {"id": person.id})
        uow.commit()
    return found


def session_person(
    uow: UnitOfWork, clock: Clock, kind: str, person_id: int, stamp: str
) -> SignedInPerson:
    """The person a session names, if they may still use it: :class:`AuthenticationFailed`
    when they are gone, deactivated, or their password changed since (``stamp``). One
    SELECT, outside a transaction (``single_read``: no BEGIN and ROLLBACK round trips on
    PostgreSQL for what every page of the console asks first)."""
    with uow.single_read():
        try:
            if kind == "agent":
                agent = uow.people.agent(person_id)
                found = SignedInPerson(
                    actor=Actor.agent(agent.id, agent.role, name=agent.name, email=agent.email),
                    kind="agent", locale=agent.locale, time_zone=agent.time_zone,
                    stamp=credential_stamp(agent.password_hash or ""),
                )  # fmt: skip
                active = agent.active and agent.password_hash is not None
            elif kind == "contact":
                contact, org = uow.people.contact_and_organization(
                    Scope.all_organizations(), person_id
                )
                found = SignedInPerson(
                    actor=Actor.contact(contact.id, contact.organization_id, name=contact.name,
                                        email=contact.email),
                    kind="contact", locale=contact.locale, fallback_locale=org.locale,
                    time_zone=org.time_zone, stamp=credential_stamp(contact.password_hash or ""),
                )  # fmt: skip
                active = contact.active and contact.password_hash is not None
            else:
                raise AuthenticationFailed()
        except NotFound:
            raise AuthenticationFailed() from None
    if not active or found.stamp != stamp:
        raise AuthenticationFailed()
    return found


def set_password(uow: UnitOfWork, clock: Clock, actor: Actor, email: str, password: str) -> str:
    """Set the password of the agent or contact with this e-mail address (admins and the
    system only); returns ``agent`` or ``contact``. Their open browser sessions end."""
    if not (actor.is_admin or actor.is_system):
        raise Forbidden("only admins can set passwords")
    now = clock.now()
    hashed = hash_password(password)  # before the transaction: argon2 takes tens of ms
    with uow:
        person = uow.people.person_by_email(email)
        if person is None:
            raise NotFound("person", email)
        person.password_hash = hashed
        uow.people.flush()
        kind = "agent" if hasattr(person, "role") else "contact"
        uow.audit.add(now, actor.key, f"sladesk.{kind}.updated",
                      {"id": person.id, "fields": ["password_hash"]})  # fmt: skip
        uow.commit()
    return kind


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
