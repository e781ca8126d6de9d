"""Organisations, contacts and agents. Contacts and organisations are scoped: a contact
sees only their own organisation."""

from __future__ import annotations

from sqlalchemy import bindparam, exists, func, or_, select

from sladesk.store._db import Repository
from sladesk.store._plain import plain
from sladesk.store._tables import Agent, Contact, Organization
from sladesk.tickets import NotFound, Scope

#: built once (its cache key kept with it): every ticket created for a contact runs it
_CONTACT_AND_ORG = (
    select(Contact, Organization)
    .join(Organization, Organization.id == Contact.organization_id)
    .where(Contact.id == bindparam("contact_id"))
)


_EMAIL_TAKEN = plain(
    select(
        or_(
            exists().where(func.lower(Contact.email) == bindparam("email")),
            exists().where(func.lower(Agent.email) == bindparam("email")),
        )
    )
)


class PeopleRepository(Repository):
    def add(self, row: Organization | Contact | Agent) -> None:
        self.session.add(row)
        self.session.flush()

    def organization(
        self, scope: Scope, organization_id: int, *, for_update: bool = False
    ) -> Organization:
        if not scope.allows(organization_id):
            raise NotFound("organization", organization_id)
        stmt = select(Organization).where(Organization.id == organization_id)
        if for_update:
            stmt = stmt.with_for_update()
        org = self.session.execute(stmt).scalar_one_or_none()
        if org is None:
            raise NotFound("organization", organization_id)
        return org

    def lock_organization(self, organization_id: int) -> None:
        """Hold ``organization_id``'s row until commit (serialises its quota counts) on
        PostgreSQL; nothing on SQLite, whose write lock already serialises writers."""
        if self.db.dialect == "sqlite":
            return
        stmt = select(Organization.id).where(Organization.id == organization_id)
        self.db.execute(stmt.with_for_update())

    def contact_and_organization(
        self, scope: Scope, contact_id: int
    ) -> tuple[Contact, Organization]:
        """A contact with their organisation, in one SELECT; NotFound outside ``scope``."""
        row = self.session.execute(_CONTACT_AND_ORG, {"contact_id": contact_id}).one_or_none()
        if row is None or not scope.allows(row[0].organization_id):
            raise NotFound("contact", contact_id)
        return row[0], row[1]

    def organizations(self, scope: Scope) -> list[Organization]:
        stmt = select(Organization).order_by(Organization.name, Organization.id)
        if not scope.everything:
            stmt = stmt.where(Organization.id == scope.organization_id)
        return list(self.session.execute(stmt).scalars())

    def organization_by_slug(self, slug: str) -> Organization | None:
        stmt = select(Organization).where(Organization.slug == slug)
        return self.session.execute(stmt).scalar_one_or_none()

    def contact(self, scope: Scope, contact_id: int) -> Contact:
        contact = self.session.get(Contact, contact_id)
        if contact is None or not scope.allows(contact.organization_id):
            raise NotFound("contact", contact_id)
        return contact

    def contacts(self, scope: Scope, organization_id: int | None = None) -> list[Contact]:
        stmt = select(Contact).order_by(Contact.id)
        if not scope.everything:
            stmt = stmt.where(Contact.organization_id == scope.organization_id)
        if organization_id is not None:
            stmt = stmt.where(Contact.organization_id == organization_id)
        return list(self.session.execute(stmt).scalars())

    def agent(self, agent_id: int) -> Agent:
        agent = self.session.get(Agent, agent_id)
        if agent is None:
            raise NotFound("agent", agent_id)
        return agent

    def active_admins(self, *, for_update: bool = False) -> int:
        """How many agents are active admins. ``for_update`` locks those rows until commit
        (PostgreSQL), so that two admins demoting each other at once cannot leave none."""
        stmt = select(Agent.id).where(Agent.active.is_(True), Agent.role == "admin")
        if for_update and self.db.dialect != "sqlite":
            stmt = stmt.with_for_update()
        return len(self.session.execute(stmt).all())

    def flush(self) -> None:
        self.session.flush()

    def agents(self) -> list[Agent]:
        return list(self.session.execute(select(Agent).order_by(Agent.id)).scalars())

    def email_taken(self, email: str) -> bool:
        """Whether a contact or an agent has ``email`` (case-insensitive): one statement,
        two probes of the ``lower(email)`` indexes."""
        return bool(self.db.run(_EMAIL_TAKEN, {"email": email.lower()}).scalar())

    def person_by_email(self, email: str) -> Agent | Contact | None:
        """The agent or contact signing in with ``email`` (case-insensitive; an address is
        one person's, across both tables: ``email_taken``)."""
        low = email.strip().lower()
        agent = select(Agent).where(func.lower(Agent.email) == low)
        found = self.session.execute(agent).scalars().first()
        if found is not None:
            return found
        contact = select(Contact).where(func.lower(Contact.email) == low)
        return self.session.execute(contact).scalars().first()
