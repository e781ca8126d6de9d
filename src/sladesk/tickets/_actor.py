"""Who is acting, and which organisations' tickets that caller may see.

An :class:`Actor` is what authentication produces and what every use case and ticket rule
takes. A :class:`Scope` is what every customer-facing query takes: the caller's organisation,
or the explicit, named :meth:`Scope.all_organizations` used by agents and jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    AGENT = "agent"  # support staff
    CONTACT = "contact"  # a person of a customer organisation
    SYSTEM = "system"  # jobs, the sweep, imports


class Role(StrEnum):
    """Agent roles, least to most privileged. ``senior`` is tier 2."""

    AGENT = "agent"
    SENIOR = "senior"
    LEAD = "lead"
    ADMIN = "admin"


_ROLE_RANK = {Role.AGENT: 0, Role.SENIOR: 1, Role.LEAD: 2, Role.ADMIN: 3}


@dataclass(frozen=True, slots=True)
class Scope:
    """The organisations a query may touch: one organisation, or all of them (explicitly)."""

    organization_id: int | None
    everything: bool = False

    @classmethod
    def all_organizations(cls) -> Scope:
        """Every organisation: for agents and jobs. Named so that its use is visible."""
        return cls(None, everything=True)

    @classmethod
    def organization(cls, organization_id: int) -> Scope:
        return cls(organization_id, everything=False)

    @classmethod
    def nothing(cls) -> Scope:
        """A contact without an organisation sees nothing."""
        return cls(None, everything=False)

    def allows(self, organization_id: int | None) -> bool:
        if self.everything:
            return True
        return self.organization_id is not None and organization_id == self.organization_id


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a use case. ``id`` is the agent or contact id (None for the system)."""

    kind: ActorKind
    id: int | None = None
    organization_id: int | None = None  # contacts only
    role: Role | None = None  # agents only
    name: str = ""
    email: str = ""

    @classmethod
    def system(cls, name: str = "sladesk") -> Actor:
        return cls(ActorKind.SYSTEM, None, None, None, name, "")

    @classmethod
    def agent(cls, agent_id: int, role: Role | str = Role.AGENT, *, name: str = "",
              email: str = "") -> Actor:  # fmt: skip
        return cls(ActorKind.AGENT, agent_id, None, Role(role), name, email)

    @classmethod
    def contact(cls, contact_id: int, organization_id: int | None, *, name: str = "",
                email: str = "") -> Actor:  # fmt: skip
        return cls(ActorKind.CONTACT, contact_id, organization_id, None, name, email)

    @property
    def is_agent(self) -> bool:
        return self.kind is ActorKind.AGENT

    @property
    def is_contact(self) -> bool:
        return self.kind is ActorKind.CONTACT

    @property
    def is_system(self) -> bool:
        return self.kind is ActorKind.SYSTEM

    @property
    def is_staff(self) -> bool:
        """Agents and the system: they may see every organisation and internal notes."""
        return self.kind is not ActorKind.CONTACT

    def has_role(self, at_least: Role) -> bool:
        """True for the system, and for agents whose role is ``at_least`` or higher."""
        if self.is_system:
            return True
        return self.role is not None and _ROLE_RANK[self.role] >= _ROLE_RANK[at_least]

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def scope(self) -> Scope:
        if self.is_staff:
            return Scope.all_organizations()
        if self.organization_id is None:
            return Scope.nothing()
        return Scope.organization(self.organization_id)

    @property
    def key(self) -> str:
        """A stable text form for event, audit and idempotency rows: ``agent:3``."""
        return f"{self.kind.value}:{self.id}" if self.id is not None else self.kind.value
