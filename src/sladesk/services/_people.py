"""Organisations, contacts and agents: created and changed by admins, read within the
caller's scope. People are deactivated, never deleted: their tickets and history stay, their
tokens stop working. The desk always keeps one active admin."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher

from sladesk.services._dtos import (
    UNSET,
    AgentChanges,
    AgentView,
    ContactChanges,
    ContactView,
    NewAgent,
    NewContact,
    NewOrganization,
    OrganizationChanges,
    OrganizationView,
)
from sladesk.services.clock import Clock
from sladesk.store import Agent, AuditRow, Contact, Organization, UnitOfWork
from sladesk.tickets import (
    Actor,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    Role,
    Scope,
    subscription_problems,
)

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


def _phone(phone: str | None) -> str | None:
    """A contact's phone number, E.164 (``+`` and 8 to 15 digits; spaces, dots, dashes and
    brackets people write are dropped)."""
    if phone is None or not phone.strip():
        return None
    digits = re.sub(r"[\s().-]", "", phone.strip())
    if not re.fullmatch(r"\+[1-9][0-9]{7,14}", digits):
        raise InvalidRequest(f"not an international phone number (+ and 8 to 15 digits): "
                             f"{phone[:40]!r}", field="phone")  # fmt: skip
    return digits


def _name(name: str, what: str) -> str:
    if not name.strip():
        raise InvalidRequest(f"{what} needs a name", field="name")
    return name.strip()


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest(f"unknown time zone {name!r}", field="time_zone") from None
    return name


def _role(name: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidRequest(f"unknown role {name!r} (one of {known})", field="role") from None


def _dedicated_agent(uow: UnitOfWork, agent_id: int | None) -> int | None:
    if agent_id is not None:
        try:
            uow.people.agent(agent_id)
        except NotFound:
            raise InvalidRequest("no such agent", field="dedicated_agent_id") from None
    return agent_id


def _check_subscription(
    uow: UnitOfWork, plan: str | None, addons: tuple[str, ...], *, addons_sent: bool = True
) -> None:
    """Refuse a plan or add-on the policy in force does not define or allow together."""
    policy = uow.policies.parsed(uow.policies.current_id())
    for field, message in subscription_problems(policy, plan, addons):
        raise InvalidRequest(message, field=field if addons_sent else "plan")


def create_organization(
    uow: UnitOfWork, clock: Clock, actor: Actor, new: NewOrganization
) -> OrganizationView:
    _admin(actor, "create organizations")
    now = clock.now()
    name = _name(new.name, "an organization")
    if not _SLUG.match(new.slug):
        raise InvalidRequest("lowercase letters, digits and '-'", field="slug")
    _time_zone(new.time_zone)
    with uow:
        if uow.people.organization_by_slug(new.slug) is not None:
            raise Conflict(f"slug {new.slug!r} is taken", field="slug")
        _dedicated_agent(uow, new.dedicated_agent_id)
        _check_subscription(uow, new.plan, tuple(dict.fromkeys(new.addons)))
        org = Organization(
            name=name, slug=new.slug, plan=new.plan, addons=sorted(set(new.addons)),
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
    name = _name(new.name, "a contact")
    password = hash_password(new.password) if new.password is not None else None
    with uow:
        view = _add_contact(uow, now, actor, new, name, password)
        uow.commit()
    return view


def add_contact(uow: UnitOfWork, now: datetime, actor: Actor, new: NewContact) -> ContactView:
    """:func:`create_contact` in the caller's open unit of work (the caller commits; a
    refusal raises before anything is written)."""
    _admin(actor, "create contacts")
    password = hash_password(new.password) if new.password is not None else None
    return _add_contact(uow, now, actor, new, _name(new.name, "a contact"), password)


def _add_contact(
    uow: UnitOfWork, now: datetime, actor: Actor, new: NewContact, name: str,
    password: str | None,
) -> ContactView:  # fmt: skip
    try:
        uow.people.organization(Scope.all_organizations(), new.organization_id)
    except NotFound:
        raise InvalidRequest("no such organization", field="organization_id") from None
    contact = Contact(
        organization_id=new.organization_id, email=_email(uow, new.email),
        name=name, locale=new.locale, password_hash=password, active=True, created_at=now,
        phone=_phone(new.phone),
    )  # fmt: skip
    uow.people.add(contact)
    uow.audit.add_many([  # held: written with what follows (the mail intake's ticket)
        AuditRow(now, actor.key, "sladesk.contact.created",
                 {"id": contact.id, "organization_id": contact.organization_id})
    ])  # fmt: skip
    return contact_view(contact)


def create_agent(uow: UnitOfWork, clock: Clock, actor: Actor, new: NewAgent) -> AgentView:
    _admin(actor, "create agents")
    now = clock.now()
    role = _role(new.role)
    name = _name(new.name, "an agent")
    password = hash_password(new.password) if new.password is not None else None
    with uow:
        agent = Agent(
            email=_email(uow, new.email), name=name, role=role.value, team=new.team,
            password_hash=password, active=True, created_at=now,
        )  # fmt: skip
        uow.people.add(agent)
        uow.audit.add(now, actor.key, "sladesk.agent.created",
                      {"id": agent.id, "role": agent.role})  # fmt: skip
        view = agent_view(agent)
        uow.commit()
    return view


def update_organization(
    uow: UnitOfWork, clock: Clock, actor: Actor, organization_id: int, changes: OrganizationChanges
) -> OrganizationView:
    """Change an organisation's name, plan, add-ons, locale, time zone or dedicated agent.
    The slug stays: links and integrations name organisations by it. A new plan or add-on
    must be one the policy in force defines and allows together, and applies to tickets
    from their next event (the facts a ticket was filed with are kept)."""
    _admin(actor, "change organizations")
    now = clock.now()
    sent = _sent(changes)
    if "name" in sent:
        sent["name"] = _name(sent["name"], "an organization")
    if "time_zone" in sent:
        _time_zone(sent["time_zone"])
    if "addons" in sent:
        sent["addons"] = sorted(set(sent["addons"]))
    with uow:
        org = uow.people.organization(Scope.all_organizations(), organization_id)
        if "dedicated_agent_id" in sent:
            _dedicated_agent(uow, sent["dedicated_agent_id"])
        if "plan" in sent or "addons" in sent:
            plan = sent.get("plan", org.plan)
            addons = changes.addons if isinstance(changes.addons, tuple) else org.addons
            _check_subscription(
                uow, plan, tuple(dict.fromkeys(addons or ())), addons_sent="addons" in sent
            )
        _apply(uow, org, sent, now, actor, "sladesk.organization.updated")
        view = organization_view(org)
        uow.commit()
    return view


def get_contact(uow: UnitOfWork, clock: Clock, actor: Actor, contact_id: int) -> ContactView:
    """A contact, for staff or for a contact of the same organisation."""
    with uow.read_only():
        return contact_view(uow.people.contact(actor.scope, contact_id))


def update_contact(
    uow: UnitOfWork, clock: Clock, actor: Actor, contact_id: int, changes: ContactChanges
) -> ContactView:
    """Change a contact's name, e-mail, locale, phone or password, or (de)activate them. A
    deactivated contact's tokens stop working at once; their tickets stay."""
    _admin(actor, "change contacts")
    now = clock.now()
    sent = _person_fields(_sent(changes), "a contact")
    if "phone" in sent:
        sent["phone"] = _phone(sent["phone"])
    with uow:
        contact = uow.people.contact(Scope.all_organizations(), contact_id)
        _new_email(uow, contact, sent)
        _apply(uow, contact, sent, now, actor, "sladesk.contact.updated")
        view = contact_view(contact)
        uow.commit()
    return view


def get_agent(uow: UnitOfWork, clock: Clock, actor: Actor, agent_id: int) -> AgentView:
    if not actor.is_staff:
        raise Forbidden("only support staff can see agents")
    with uow.read_only():
        return agent_view(uow.people.agent(agent_id))


def update_agent(
    uow: UnitOfWork, clock: Clock, actor: Actor, agent_id: int, changes: AgentChanges
) -> AgentView:
    """Change an agent's name, e-mail, role, team or password, or (de)activate them. The
    last active admin can be neither demoted nor deactivated: someone must be able to manage
    the desk. A deactivated agent's tokens stop working at once."""
    _admin(actor, "change agents")
    now = clock.now()
    sent = _person_fields(_sent(changes), "an agent")
    if "role" in sent:
        sent["role"] = _role(sent["role"]).value
    with uow:
        agent = uow.people.agent(agent_id)
        _new_email(uow, agent, sent)
        was_admin = agent.active and agent.role == Role.ADMIN.value
        stays_admin = sent.get("active", agent.active) and (
            sent.get("role", agent.role) == Role.ADMIN.value
        )
        if was_admin and not stays_admin and uow.people.active_admins(for_update=True) <= 1:
            field = "active" if sent.get("active") is False else "role"
            raise Conflict("the last active admin can be neither demoted nor deactivated",
                           field=field)  # fmt: skip
        _apply(uow, agent, sent, now, actor, "sladesk.agent.updated")
        view = agent_view(agent)
        uow.commit()
    return view


def _sent(changes: OrganizationChanges | ContactChanges | AgentChanges) -> dict[str, Any]:
    """The fields a change sets (those not :data:`UNSET`), by name."""
    values = ((f.name, getattr(changes, f.name)) for f in fields(changes))
    return {name: value for name, value in values if value is not UNSET}


def _person_fields(sent: dict[str, Any], what: str) -> dict[str, Any]:
    """A contact's or an agent's name checked, and a new password hashed (here, before the
    transaction: argon2 takes tens of milliseconds)."""
    if "name" in sent:
        sent["name"] = _name(sent["name"], what)
    if "password" in sent:
        sent["password_hash"] = hash_password(sent.pop("password"))
    return sent


def _new_email(uow: UnitOfWork, person: Contact | Agent, sent: dict[str, Any]) -> None:
    """Check a new e-mail address (well formed, nobody else's); the same one is no change."""
    if "email" in sent:
        if sent["email"].strip() == person.email:
            del sent["email"]
        else:
            sent["email"] = _email(uow, sent["email"])


def _apply(
    uow: UnitOfWork,
    row: Organization | Contact | Agent,
    changed: dict[str, Any],
    now: datetime,
    actor: Actor,
    action: str,
) -> None:
    """Set the fields that differ, and audit which (never a password hash's value)."""
    fields = [name for name, value in changed.items() if getattr(row, name) != value]
    for name in fields:
        setattr(row, name, changed[name])
    if fields:
        uow.people.flush()
        uow.audit.add(now, actor.key, action, {"id": row.id, "fields": sorted(fields)})


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
        active=c.active, created_at=c.created_at, phone=c.phone,
    )  # fmt: skip


def agent_view(a: Agent) -> AgentView:
    return AgentView(
        id=a.id, email=a.email, name=a.name, role=a.role, team=a.team, active=a.active,
        created_at=a.created_at,
    )  # fmt: skip
