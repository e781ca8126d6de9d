"""Organisations, contacts and agents: created by admins, listed within the caller's scope."""

from __future__ import annotations

from sladesk.services._views import *  # noqa: F403
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor


def create_organization(
    uow: UnitOfWork, clock: Clock, actor: Actor, new: NewOrganization
) -> OrganizationView:
    raise NotImplementedError


def create_contact(uow: UnitOfWork, clock: Clock, actor: Actor, new: NewContact) -> ContactView:
    raise NotImplementedError


def create_agent(uow: UnitOfWork, clock: Clock, actor: Actor, new: NewAgent) -> AgentView:
    raise NotImplementedError


def list_organizations(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[OrganizationView]:
    raise NotImplementedError


def get_organization(
    uow: UnitOfWork, clock: Clock, actor: Actor, organization_id: int
) -> OrganizationView:
    raise NotImplementedError


def list_contacts(
    uow: UnitOfWork, clock: Clock, actor: Actor, organization_id: int | None = None
) -> list[ContactView]:
    raise NotImplementedError


def list_agents(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[AgentView]:
    raise NotImplementedError
