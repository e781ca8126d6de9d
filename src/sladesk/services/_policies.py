"""Publishing policy versions: validate, store the text, make it current, re-evaluate."""

from __future__ import annotations

from sladesk.services._views import *  # noqa: F403
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor


def publish_policy(
    uow: UnitOfWork, clock: Clock, actor: Actor, text: str, *, source: str = "<published>"
) -> PolicyVersionView:
    raise NotImplementedError


def get_current_policy(uow: UnitOfWork, clock: Clock, actor: Actor) -> PolicyVersionView | None:
    raise NotImplementedError


def list_policy_versions(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[PolicyVersionView]:
    raise NotImplementedError


def validate_policy(
    uow: UnitOfWork, clock: Clock, actor: Actor, text: str, *, source: str = "<submitted>"
) -> PolicyCheck:
    raise NotImplementedError
