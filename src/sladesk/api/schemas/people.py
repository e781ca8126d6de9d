"""Organisations, contacts and agents: what an admin sends to create or change them, what
callers see. A change (PATCH) holds only the fields it sets; a field sent as ``null`` clears
it where it may be empty (plan, team, locale, dedicated agent)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import Field, StringConstraints, field_validator

from sladesk.api.schemas._base import Id, InputModel, OutputModel
from sladesk.services import (
    UNSET,
    AgentChanges,
    ContactChanges,
    NewAgent,
    NewContact,
    NewOrganization,
    OrganizationChanges,
)

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
#: checked for shape by the services; here only for length
Email = Annotated[str, StringConstraints(min_length=3, max_length=254)]
Password = Annotated[str, StringConstraints(min_length=12, max_length=200)]
Locale = Annotated[str, StringConstraints(min_length=2, max_length=16)]
TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _no_null_in_schema(schema: dict[str, Any], cls: type) -> None:
    """The JSON schema of a change: the fields in ``NOT_NULL`` may be left out, never null."""
    properties = schema.get("properties", {})
    for name in getattr(cls, "NOT_NULL", ()):
        prop = properties[name]
        kept = [v for v in prop.pop("anyOf", []) if v != {"type": "null"}]
        if len(kept) == 1:
            prop.update(kept[0])
        elif kept:
            prop["anyOf"] = kept
        prop.pop("default", None)


class ChangeModel(InputModel):
    """A PATCH body: what was sent, and only that, is changed. The fields a class names in
    ``NOT_NULL`` have no empty value: ``null`` is refused (and the schema says so)."""

    model_config = InputModel.model_config | {"json_schema_extra": _no_null_in_schema}
    NOT_NULL: ClassVar[tuple[str, ...]] = ()

    def sent(self) -> dict[str, object]:
        """The fields the caller sent, ``null`` included; absent ones become ``UNSET``."""
        return {
            name: getattr(self, name) if name in self.model_fields_set else UNSET
            for name in type(self).model_fields
        }


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


def refuse_null(*names: str) -> Any:
    """A validator for the fields of a change that have no empty value (a name, a flag)."""
    return field_validator(*names, mode="before")(_not_null)


class OrganizationCreate(InputModel):
    name: Name
    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
    plan: Key | None = None
    addons: list[Key] = Field(default_factory=list, max_length=20)
    locale: Annotated[str, StringConstraints(min_length=2, max_length=16)] = "en"
    time_zone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "UTC"
    dedicated_agent_id: Id | None = None

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


class OrganizationUpdate(ChangeModel):
    name: Name | None = None
    plan: Key | None = None
    addons: list[Key] | None = Field(default=None, max_length=20)
    locale: Locale | None = None
    time_zone: TimeZone | None = None
    dedicated_agent_id: Id | None = None

    NOT_NULL: ClassVar[tuple[str, ...]] = ("name", "addons", "locale", "time_zone")
    _nulls = refuse_null(*NOT_NULL)

    def to_changes(self) -> OrganizationChanges:
        sent = self.sent()
        if isinstance(sent["addons"], list):
            sent["addons"] = tuple(sent["addons"])
        return OrganizationChanges(**sent)  # type: ignore[arg-type]


class ContactCreate(InputModel):
    organization_id: Id
    email: Email
    name: Name
    locale: Annotated[str, StringConstraints(min_length=2, max_length=16)] | None = None
    password: Password | None = None
    #: the number the contact calls from, E.164 (``+5491155550001``): the phone channel
    #: finds the caller by it (docs/channels.md)
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None

    def to_new(self) -> NewContact:
        return NewContact(
            organization_id=self.organization_id,
            email=self.email,
            name=self.name,
            locale=self.locale,
            password=self.password,
            phone=self.phone,
        )


class ContactPublic(OutputModel):
    id: int
    organization_id: int
    email: str
    name: str
    locale: str | None
    active: bool
    created_at: datetime
    phone: str | None = None


class ContactUpdate(ChangeModel):
    name: Name | None = None
    email: Email | None = None
    locale: Locale | None = None
    active: bool | None = None
    password: Password | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None  # null: none

    NOT_NULL: ClassVar[tuple[str, ...]] = ("name", "email", "active", "password")
    _nulls = refuse_null(*NOT_NULL)

    def to_changes(self) -> ContactChanges:
        return ContactChanges(**self.sent())  # type: ignore[arg-type]


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


class AgentUpdate(ChangeModel):
    name: Name | None = None
    email: Email | None = None
    role: Key | None = None
    team: Key | None = None
    active: bool | None = None
    password: Password | None = None

    NOT_NULL: ClassVar[tuple[str, ...]] = ("name", "email", "role", "active", "password")
    _nulls = refuse_null(*NOT_NULL)

    def to_changes(self) -> AgentChanges:
        return AgentChanges(**self.sent())  # type: ignore[arg-type]


class AgentPublic(OutputModel):
    id: int
    email: str
    name: str
    role: str
    team: str | None
    active: bool
    created_at: datetime
