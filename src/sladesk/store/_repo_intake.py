"""What filing a ticket reads before it writes, in one SELECT: who files it (a contact and
their organisation, or an organisation alone) and the id of the current policy version.

The answers are plain frozen values, not ORM rows: creating a ticket is the hottest write,
and loading instances into a session (identity map, instrumented attributes) costs more than
the query itself. Tenancy as everywhere else: every lookup takes the caller's
:class:`~sladesk.tickets.Scope`, and outside it is NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select

from sladesk.store._db import Repository
from sladesk.store._plain import plain
from sladesk.store._tables import Contact, Organization, PolicyVersion
from sladesk.tickets import NotFound, Scope

__all__ = ["CustomerOrganization", "Intake", "IntakeRepository", "Requester"]


@dataclass(frozen=True, slots=True)
class Requester:
    """The contact a ticket is filed for."""

    id: int
    organization_id: int
    name: str
    locale: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class CustomerOrganization:
    """What a new ticket takes from its organisation: the facts SLA rules match on (slug,
    plan, add-ons), the quota month's time zone and the locale of system messages."""

    id: int
    slug: str
    plan: str | None
    addons: tuple[str, ...]
    locale: str
    time_zone: str


@dataclass(frozen=True, slots=True)
class Intake:
    policy_version_id: int | None  # None: no policy published yet
    requester: Requester | None
    organization: CustomerOrganization | None


#: the statements are Core (table columns, not ORM attributes: no ORM compile or loading
#: step) and built once, so that each keeps its cache key
_CONTACTS = cast(Table, Contact.__table__).c
_ORGANIZATIONS = cast(Table, Organization.__table__).c
_POLICIES = cast(Table, PolicyVersion.__table__).c
_CURRENT_POLICY_ID = (
    select(_POLICIES.id)
    .where(_POLICIES.current.is_(True))
    .order_by(_POLICIES.id.desc())
    .limit(1)
    .scalar_subquery()
)
_ORGANIZATION_COLUMNS = (
    _ORGANIZATIONS.id,
    _ORGANIZATIONS.slug,
    _ORGANIZATIONS.plan,
    _ORGANIZATIONS.addons,
    _ORGANIZATIONS.locale,
    _ORGANIZATIONS.time_zone,
)
_FOR_CONTACT = plain(
    select(
        _CURRENT_POLICY_ID,
        _CONTACTS.id,
        _CONTACTS.organization_id,
        _CONTACTS.name,
        _CONTACTS.locale,
        _CONTACTS.active,
        *_ORGANIZATION_COLUMNS,
    )
    .join_from(
        cast(Table, Contact.__table__),
        cast(Table, Organization.__table__),
        _ORGANIZATIONS.id == _CONTACTS.organization_id,
    )
    .where(_CONTACTS.id == bindparam("contact_id"))
)
_FOR_ORGANIZATION = select(_CURRENT_POLICY_ID, *_ORGANIZATION_COLUMNS).where(
    _ORGANIZATIONS.id == bindparam("organization_id")
)
_POLICY_ONLY = select(_CURRENT_POLICY_ID)


def _organization(row: Any, at: int) -> CustomerOrganization:
    id_, slug, plan, addons, locale, time_zone = row[at : at + 6]
    return CustomerOrganization(id_, slug, plan, tuple(addons or ()), locale, time_zone)


class IntakeRepository(Repository):
    def for_contact(self, scope: Scope, contact_id: int) -> Intake:
        """The contact with their organisation; NotFound outside ``scope``."""
        row = self.db.run(_FOR_CONTACT, {"contact_id": contact_id}).first()
        if row is None or not scope.allows(row[2]):
            raise NotFound("contact", contact_id)
        requester = Requester(row[1], row[2], row[3], row[4], bool(row[5]))
        return Intake(row[0], requester, _organization(row, 6))

    def for_organization(self, scope: Scope, organization_id: int) -> Intake:
        """An organisation without a requester; NotFound outside ``scope``."""
        if not scope.allows(organization_id):
            raise NotFound("organization", organization_id)
        row = self.db.execute(_FOR_ORGANIZATION, {"organization_id": organization_id}).first()
        if row is None:
            raise NotFound("organization", organization_id)
        return Intake(row[0], None, _organization(row, 1))

    def without_customer(self) -> Intake:
        """Neither requester nor organisation (an agent's internal ticket)."""
        return Intake(self.db.execute(_POLICY_ONLY).scalar(), None, None)
