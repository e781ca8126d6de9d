"""Organisations, contacts and agents: created by admins, listed within the caller's scope."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher

from sladesk.services._views import (
    AgentView,
    ContactView,
    NewAgent,
    NewContact,
    NewOrganization,
    OrganizationView,
)
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.store._tables import Agent, Contact, Organization
from sladesk.tickets import Actor, Conflict, Forbidden, InvalidRequest, NotFound, Role, Scope

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise InvalidRequest("at least 8 characters", field="password")
    return _hasher.hash(password)


def _admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"only admins can {what}")


def _email(uow: UnitOfWork, email: str) -> str:
    email = email.strip()
    if not _EMAIL.match(email):
        raise InvalidRequest(f"not an e-mail address: {email!r}", field="email")
    if uow.people.email_taken(email):
        raise Conflict(f"{email} is already in use", field="email")
    return email


def create_organization(
    uow: UnitOfWork, clock: Clock, actor: Actor, new: NewOrganization
) -> OrganizationView:
    _admin(actor, "create organizations")
    now = clock.now()
    if not new.name.strip():
        raise InvalidRequest("an organization needs a name", field="name")
    if not _SLUG.match(new.slug):
        raise InvalidRequest("lowercase letters, digits and '-'", field="slug")
    try:
        ZoneInfo(new.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest(f"unknown time zone {new.time_zone!r}", field="time_zone") from None
    with uow:
        if uow.people.organization_by_slug(new.slug) is not None:
            raise Conflict(f"slug {new.slug!r} is taken", field="slug")
        if new.dedicated_agent_id is not None:
            try:
                uow.people.agent(new.dedicated_agent_id)
            except NotFound:
                raise InvalidRequest("no such agent", field="dedicated_agent_id") from None
        org = Organization(
            name=new.name.strip(), slug=new.slug, plan=new.plan, addons=sorted(set(new.addons)),
            locale=new.locale, time_zone=new.time_zone,
            dedicated_agent_id=new.dedicated_agent_id, created_at=now,
        )  # fmt: skip
        uow.people.add(org)
        uow.audit.add(now, actor.key, "sladesk.organization.created",
                      {"id": org.id, "slug": org.slug, "plan": org.plan})  # fmt: skip
        view = organization_view(org)
        uow.commit()
    return view


def create_contact(uow: UnitOfWork, clock: Clock, actor: Actor, new: NewContact) -> ContactView:
    _admin(actor, "create contacts")
    now = clock.now()
    if not new.name.strip():
        raise InvalidRequest("a contact needs a name", field="name")
    password = hash_password(new.password) if new.password is not None else None
    with uow:
        try:
            uow.people.organization(Scope.all_organizations(), new.organization_id)
        except NotFound:
            raise InvalidRequest("no such organization", field="organization_id") from None
        contact = Contact(
            organization_id=new.organization_id, email=_email(uow, new.email),
            name=new.name.strip(), locale=new.locale, password_hash=password, created_at=now,
        )  # fmt: skip
        uow.people.add(contact)
        uow.audit.add(now, actor.key, "sladesk.contact.created",
                      {"id": contact.id, "organization_id": contact.organization_id})  # fmt: skip
        view = contact_view(contact)
        uow.commit()
    return view


def create_agent(uow: UnitOfWork, clock: Clock, actor: Actor, new: NewAgent) -> AgentView:
    _admin(actor, "create agents")
    now = clock.now()
    try:
        role = Role(new.role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidRequest(f"unknown role {new.role!r} (one of {known})", field="role") from None
    if not new.name.strip():
        raise InvalidRequest("an agent needs a name", field="name")
    password = hash_password(new.password) if new.password is not None else None
    with uow:
        agent = Agent(
            email=_email(uow, new.email), name=new.name.strip(), role=role.value, team=new.team,
            password_hash=password, active=True, created_at=now,
        )  # fmt: skip
        uow.people.add(agent)
        uow.audit.add(now, actor.key, "sladesk.agent.created",
                      {"id": agent.id, "role": agent.role})  # fmt: skip
        view = agent_view(agent)
        uow.commit()
    return view


def list_organizations(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[OrganizationView]:
    with uow.read_only():
        return [organization_view(o) for o in uow.people.organizations(actor.scope)]


def get_organization(
    uow: UnitOfWork, clock: Clock, actor: Actor, organization_id: int
) -> OrganizationView:
    with uow.read_only():
        return organization_view(uow.people.organization(actor.scope, organization_id))


def list_contacts(
    uow: UnitOfWork, clock: Clock, actor: Actor, organization_id: int | None = None
) -> list[ContactView]:
    with uow.read_only():
        return [contact_view(c) for c in uow.people.contacts(actor.scope, organization_id)]


def list_agents(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[AgentView]:
    if not actor.is_staff:
        raise Forbidden("only support staff can list agents")
    with uow.read_only():
        return [agent_view(a) for a in uow.people.agents()]


def organization_view(o: Organization) -> OrganizationView:
    return OrganizationView(
        id=o.id, name=o.name, slug=o.slug, plan=o.plan, addons=tuple(o.addons), locale=o.locale,
        time_zone=o.time_zone, dedicated_agent_id=o.dedicated_agent_id, created_at=o.created_at,
    )  # fmt: skip


def contact_view(c: Contact) -> ContactView:
    return ContactView(
        id=c.id, organization_id=c.organization_id, email=c.email, name=c.name, locale=c.locale,
        created_at=c.created_at,
    )  # fmt: skip


def agent_view(a: Agent) -> AgentView:
    return AgentView(
        id=a.id, email=a.email, name=a.name, role=a.role, team=a.team, active=a.active,
        created_at=a.created_at,
    )  # fmt: skip
