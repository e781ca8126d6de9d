"""``/organizations``: customer companies. Admins create and change them; contacts see only
their own."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id, OrganizationCreate, OrganizationPublic, OrganizationUpdate
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/organizations", tags=["organizations"], route_class=OneHopRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_organization(
    organization: OrganizationCreate,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    request: Request,
    response: Response,
) -> OrganizationPublic:
    view = services.create_organization(uow, clock, actor, organization.to_new())
    response.headers["Location"] = str(request.url_for("get_organization", organization_id=view.id))
    return OrganizationPublic.model_validate(view)


@router.get("")
def list_organizations(actor: ActorDep, uow: UowDep, clock: ClockDep) -> list[OrganizationPublic]:
    return [
        OrganizationPublic.model_validate(v) for v in services.list_organizations(uow, clock, actor)
    ]


@router.get("/{organization_id}")
def get_organization(
    organization_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> OrganizationPublic:
    view = services.get_organization(uow, clock, actor, organization_id)
    return OrganizationPublic.model_validate(view)


@router.patch("/{organization_id}")
def update_organization(
    organization_id: Id,
    changes: OrganizationUpdate,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
) -> OrganizationPublic:
    """Change what is sent: name, plan, add-ons, locale, time zone, dedicated agent (the
    slug stays)."""
    view = services.update_organization(uow, clock, actor, organization_id, changes.to_changes())
    return OrganizationPublic.model_validate(view)
