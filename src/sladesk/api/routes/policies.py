"""``/policies``: validate a policy file, publish it as the new current version, list versions,
read the current one."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.problems import NOT_FOUND, ApiProblem
from sladesk.api.schemas import (
    PolicyCheckPublic,
    PolicySubmit,
    PolicyVersionPublic,
    PolicyVersionSummary,
)
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/policies", tags=["policies"], route_class=OneHopRoute)


@router.post("/validate")
def validate_policy(
    policy: PolicySubmit, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> PolicyCheckPublic:
    """Check a policy file without publishing it: every problem, with line, column and path.
    A file with problems is still a 200: finding them is what was asked."""
    check = services.validate_policy(uow, clock, actor, policy.text, source=policy.source)
    return PolicyCheckPublic.of(check)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "model": PolicyVersionPublic,
            "description": "The text is the current version's already: nothing was published "
            "or re-evaluated; the answer is that version, with `unchanged: true`.",
        }
    },
)
def publish_policy(
    policy: PolicySubmit,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    request: Request,
    response: Response,
) -> PolicyVersionPublic:
    """Publish a new version; it takes effect at once and open tickets are re-evaluated.
    A file with problems is a 422 ``invalid-policy`` problem listing each of them. The text
    of the current version again is a 200 with ``unchanged: true``: nothing happens."""
    view = services.publish_policy(uow, clock, actor, policy.text, source=policy.source)
    if view.unchanged:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = str(request.url_for("get_current_policy"))
    return PolicyVersionPublic.model_validate(view)


@router.get("")
def list_policy_versions(
    actor: ActorDep, uow: UowDep, clock: ClockDep
) -> list[PolicyVersionSummary]:
    """Every published version, newest first."""
    views = services.list_policy_versions(uow, clock, actor)
    return [PolicyVersionSummary.model_validate(v) for v in views]


@router.get("/current")
def get_current_policy(actor: ActorDep, uow: UowDep, clock: ClockDep) -> PolicyVersionPublic:
    """The version in force, with its text."""
    view = services.get_current_policy(uow, clock, actor)
    if view is None:
        raise ApiProblem(NOT_FOUND, "no policy has been published yet")
    return PolicyVersionPublic.model_validate(view)
