"""Invitations: an admin invites an agent or a contact; the invitee follows a one-time link,
valid for a limited time (72 hours unless said otherwise), sets their password and is signed
in. The link's secret is returned once, to be shown to the admin; only its SHA-256 digest is
stored (the secret has 256 bits of entropy, so a fast digest is enough: see ``_tokens.py``).
When the mail channel is configured, the same link is queued to the invitee by mail through
the outbox (kind ``invitation``), in the same transaction.

A link works once: after the password is set it says it was used; after its time it says it
expired. A new invitation for the same person does not cancel an older link that is still
valid: both lead to the same account, and each works once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sladesk.services._dtos import NewAgent, NewContact
from sladesk.services._people import _email, _name, _role, add_contact, agent_view, hash_password
from sladesk.services.clock import Clock
from sladesk.store import Agent, Contact, Invitation, InvitationRepository, UnitOfWork
from sladesk.tickets import Actor, Forbidden, InvalidRequest, NotFound, Scope

__all__ = [
    "INVITATION_LIFETIME",
    "InvitationState",
    "IssuedInvitation",
    "accept_invitation",
    "invitation_state",
    "invite_agent",
    "invite_contact",
    "invite_person",
    "list_invitations",
]

#: how long an invitation link works unless the admin says otherwise
INVITATION_LIFETIME = timedelta(hours=72)
_PATH = "/invitations/"


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """A new invitation: ``path`` (``/invitations/<secret>``) is shown here once."""

    id: int
    kind: str  # agent | contact
    person_id: int
    email: str
    name: str
    expires_at: datetime
    path: str
    mailed: bool


@dataclass(frozen=True, slots=True)
class InvitationState:
    """What a link says to whoever follows it: who it is for and whether it still works."""

    kind: str
    email: str
    name: str
    state: str  # valid | used | expired
    expires_at: datetime
    used_at: datetime | None = None
    id: int = 0
    created_by: str = ""
    created_at: datetime | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _lifetime(valid_for: timedelta) -> timedelta:
    if not timedelta(minutes=5) <= valid_for <= timedelta(days=30):
        raise InvalidRequest("an invitation is valid between 5 minutes and 30 days",
                             field="valid_for")  # fmt: skip
    return valid_for


def _may_invite(actor: Actor, password: str | None) -> None:
    """Only admins invite, and the invitee chooses the password."""
    if not actor.is_admin:
        raise Forbidden("only admins can invite people")
    if password is not None:
        raise InvalidRequest("the invitee chooses their password", field="password")


def invite_agent(
    uow: UnitOfWork, clock: Clock, actor: Actor, new: NewAgent, *, mail: bool, public_url: str,
    valid_for: timedelta = INVITATION_LIFETIME,
) -> IssuedInvitation:  # fmt: skip
    """Create an agent without a password and invite them, in one transaction."""
    _may_invite(actor, new.password)
    now = clock.now()
    role = _role(new.role)
    name = _name(new.name, "an agent")
    with uow:
        agent = Agent(
            email=_email(uow, new.email), name=name, role=role.value, team=new.team or None,
            password_hash=None, active=True, created_at=now,
        )  # fmt: skip
        uow.people.add(agent)
        uow.audit.add(now, actor.key, "sladesk.agent.created", {"id": agent.id, "role": agent.role})
        view = agent_view(agent)
        lifetime = _lifetime(valid_for)
        issued = _issue(uow, now, actor, "agent", view.id, view.email, view.name, None,
                        mail=mail, public_url=public_url, valid_for=lifetime)  # fmt: skip
        uow.commit()
    return issued


def invite_contact(
    uow: UnitOfWork, clock: Clock, actor: Actor, new: NewContact, *, mail: bool, public_url: str,
    valid_for: timedelta = INVITATION_LIFETIME,
) -> IssuedInvitation:  # fmt: skip
    """Create a contact (of an organisation) without a password and invite them."""
    _may_invite(actor, new.password)
    now = clock.now()
    lifetime = _lifetime(valid_for)
    with uow:
        contact = add_contact(uow, now, actor, new)
        locale = contact.locale or _organization_locale(uow, contact.organization_id)
        issued = _issue(uow, now, actor, "contact", contact.id, contact.email, contact.name,
                        locale, mail=mail, public_url=public_url, valid_for=lifetime)  # fmt: skip
        uow.commit()
    return issued


def invite_person(
    uow: UnitOfWork, clock: Clock, actor: Actor, kind: str, person_id: int, *, mail: bool,
    public_url: str, valid_for: timedelta = INVITATION_LIFETIME,
) -> IssuedInvitation:  # fmt: skip
    """A new link for an agent or a contact who exists already (an expired link, a lost
    mail, someone created through the API without a password). Deactivated people cannot
    be invited: reactivate them first."""
    if not actor.is_admin:
        raise Forbidden("only admins can invite people")
    now = clock.now()
    lifetime = _lifetime(valid_for)
    with uow:
        person: Agent | Contact
        locale: str | None = None
        if kind == "agent":
            person = uow.people.agent(person_id)
        elif kind == "contact":
            person = uow.people.contact(Scope.all_organizations(), person_id)
            locale = person.locale or _organization_locale(uow, person.organization_id)
        else:
            raise InvalidRequest(f"unknown kind {kind!r} (agent or contact)", field="kind")
        if not person.active:
            raise InvalidRequest(f"{person.email} is deactivated: reactivate them first",
                                 field="active")  # fmt: skip
        issued = _issue(uow, now, actor, kind, person.id, person.email, person.name, locale,
                        mail=mail, public_url=public_url, valid_for=lifetime)  # fmt: skip
        uow.commit()
    return issued


def _organization_locale(uow: UnitOfWork, organization_id: int) -> str:
    return uow.people.organization(Scope.all_organizations(), organization_id).locale


def _issue(
    uow: UnitOfWork, now: datetime, actor: Actor, kind: str, person_id: int, email: str,
    name: str, locale: str | None, *, mail: bool, public_url: str, valid_for: timedelta,
) -> IssuedInvitation:  # fmt: skip
    secret = secrets.token_urlsafe(32)
    expires = now + valid_for
    row = InvitationRepository(uow.db).add(
        Invitation(
            digest=_digest(secret), agent_id=person_id if kind == "agent" else None,
            contact_id=person_id if kind == "contact" else None, email=email,
            created_by=actor.key, created_at=now, expires_at=expires, used_at=None,
        )
    )  # fmt: skip
    uow.audit.add(now, actor.key, "sladesk.invitation.created",
                  {"id": row.id, "kind": kind, "person_id": person_id,
                   "expires_at": expires.isoformat(), "mailed": mail})  # fmt: skip
    if mail:
        url = f"{public_url.rstrip('/')}{_PATH}{secret}"
        uow.outbox.add("invitation", f"invitation:{row.id}",
                       {"to": email, "name": name, "kind": kind, "locale": locale or "en",
                        "url": url, "expires_at": expires.isoformat()}, now)  # fmt: skip
    return IssuedInvitation(
        id=row.id, kind=kind, person_id=person_id, email=email, name=name, expires_at=expires,
        path=f"{_PATH}{secret}", mailed=mail,
    )  # fmt: skip


def _state(row: Invitation, now: datetime) -> str:
    if row.used_at is not None:
        return "used"
    if now >= row.expires_at:
        return "expired"
    return "valid"


def _find(uow: UnitOfWork, secret: str, *, for_update: bool = False) -> Invitation:
    if not secret or len(secret) > 200:
        raise NotFound("invitation", "?")
    row = InvitationRepository(uow.db).by_digest(_digest(secret), for_update=for_update)
    if row is None:
        raise NotFound("invitation", "?")
    return row


def _person(uow: UnitOfWork, row: Invitation) -> Agent | Contact:
    if row.agent_id is not None:
        return uow.people.agent(row.agent_id)
    return uow.people.contact(Scope.all_organizations(), int(row.contact_id or 0))


def invitation_state(uow: UnitOfWork, clock: Clock, secret: str) -> InvitationState:
    """What the link with this secret says (no actor: the secret is the credential).
    :class:`NotFound` for a link that never existed."""
    now = clock.now()
    with uow.read_only():
        row = _find(uow, secret)
        person = _person(uow, row)
        return InvitationState(
            kind="agent" if row.agent_id is not None else "contact", email=person.email,
            name=person.name, state=_state(row, now), expires_at=row.expires_at,
            used_at=row.used_at,
        )  # fmt: skip


def accept_invitation(uow: UnitOfWork, clock: Clock, secret: str, password: str) -> str:
    """Set the invitee's password (argon2) and use the link up; returns the e-mail address
    to sign in with. A used or expired link, or a deactivated invitee, is refused
    (:class:`InvalidRequest` saying which) and nothing changes."""
    now = clock.now()
    hashed = hash_password(password)  # before the transaction: argon2 takes tens of ms
    with uow:
        row = _find(uow, secret, for_update=True)
        state = _state(row, now)
        if state == "used":
            raise InvalidRequest("this invitation has been used already", field="invitation")
        if state == "expired":
            raise InvalidRequest("this invitation has expired", field="invitation")
        person = _person(uow, row)
        if not person.active:
            raise InvalidRequest("this account is deactivated", field="invitation")
        person.password_hash = hashed
        row.used_at = now
        uow.people.flush()
        kind = "agent" if row.agent_id is not None else "contact"
        uow.audit.add(now, f"{kind}:{person.id}", "sladesk.invitation.accepted",
                      {"id": row.id, "kind": kind, "person_id": person.id})  # fmt: skip
        email = person.email
        uow.commit()
    return email


def list_invitations(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[InvitationState]:
    """The newest invitations (never their links), for admins."""
    if not actor.is_admin:
        raise Forbidden("only admins can list invitations")
    now = clock.now()
    with uow.read_only():
        rows = InvitationRepository(uow.db).newest()
        return [
            InvitationState(
                kind="agent" if r.agent_id is not None else "contact",
                email=r.email,
                name="",
                state=_state(r, now),
                expires_at=r.expires_at,
                used_at=r.used_at,
                id=r.id,
                created_by=r.created_by,
                created_at=r.created_at,
            )
            for r in rows
        ]
