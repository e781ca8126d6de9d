"""Organisations, contacts and agents: what an admin sends to create them, what callers see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from sladesk.api.schemas._base import InputModel, OutputModel
from sladesk.services import NewAgent, NewContact, NewOrganization

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
#: checked for shape by the services; here only for length
Email = Annotated[str, StringConstraints(min_length=3, max_length=254)]
Password = Annotated[str, StringConstraints(min_length=12, max_length=200)]


class OrganizationCreate(InputModel):
    name: Name
    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
    plan: Key | None = None
    addons: list[Key] = Field(default_factory=list, max_length=20)
    locale: Annotated[str, StringConstraints(min_length=2, max_length=16)] = "en"
    time_zone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "UTC"
    dedicated_agent_id: int | None = None

    def to_new(self) -> NewOrganization:
        return NewOrganization(
            name=self.name,
            slug=self.slug,
            plan=self.plan,
            addons=tuple(self.addons),
            locale=self.locale,
            time_zone=self.time_zone,
            dedicated_agent_id=self.dedicated_agent_id,
        )


class OrganizationPublic(OutputModel):
    id: int
    name: str
    slug: str
    plan: str | None
    addons: tuple[str, ...]
    locale: str
    time_zone: str
    dedicated_agent_id: int | None
    created_at: datetime


class ContactCreate(InputModel):
    organization_id: int
    email: Email
    name: Name
    locale: Annotated[str, StringConstraints(min_length=2, max_length=16)] | None = None
    password: Password | None = None

    def to_new(self) -> NewContact:
        return NewContact(
            organization_id=self.organization_id,
            email=self.email,
            name=self.name,
            locale=self.locale,
            password=self.password,
        )


class ContactPublic(OutputModel):
    id: int
    organization_id: int
    email: str
    name: str
    locale: str | None
    created_at: datetime


class AgentCreate(InputModel):
    email: Email
    name: Name
    role: Key = "agent"
    team: Key | None = None
    password: Password | None = None

    def to_new(self) -> NewAgent:
        return NewAgent(
            email=self.email,
            name=self.name,
            role=self.role,
            team=self.team,
            password=self.password,
        )


class AgentPublic(OutputModel):
    id: int
    email: str
    name: str
    role: str
    team: str | None
    active: bool
    created_at: datetime
