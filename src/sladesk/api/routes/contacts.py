"""``/contacts``: the people of customer organisations. Admins create and change them;
staff read them all, a contact only those of their own organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import ContactCreate, ContactPublic, ContactUpdate, Id
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/contacts", tags=["contacts"], route_class=OneHopRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_contact(
    contact: ContactCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> ContactPublic:
    view = services.create_contact(uow, clock, actor, contact.to_new())
    return ContactPublic.model_validate(view)


@router.get("")
def list_contacts(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    organization: Annotated[Id | None, Query(description="organisation id")] = None,
) -> list[ContactPublic]:
    views = services.list_contacts(uow, clock, actor, organization)
    return [ContactPublic.model_validate(v) for v in views]


@router.get("/{contact_id}")
def get_contact(contact_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> ContactPublic:
    return ContactPublic.model_validate(services.get_contact(uow, clock, actor, contact_id))


@router.patch("/{contact_id}")
def update_contact(
    contact_id: Id, changes: ContactUpdate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> ContactPublic:
    """Change what is sent: name, e-mail, locale, password, or ``active: false`` to
    deactivate (their tokens stop working; their tickets stay)."""
    view = services.update_contact(uow, clock, actor, contact_id, changes.to_changes())
    return ContactPublic.model_validate(view)
