"""``/oncall``: who is on call, the roster and its admin (members, overrides), and pages:
page on-call about a ticket, acknowledge a page. Staff only; changes to the roster are for
admins. Each route calls exactly one service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id, Instant
from sladesk.api.schemas.oncall import (
    MembersSet,
    OnCallNow,
    OverrideCreate,
    OverridePublic,
    PageCreate,
    PagePublic,
    RosterMemberPublic,
    RosterPublic,
    ShiftName,
)
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/oncall", tags=["on call"], route_class=OneHopRoute)


def _page(p: services.PageView) -> PagePublic:
    return PagePublic.model_validate(p)


@router.get("/now")
def on_call_now(
    actor: ActorDep, uow: UowDep, clock: ClockDep, at: Instant | None = None
) -> OnCallNow:
    """Who is on call now (or at ``at``)."""
    when: datetime | None = at
    return OnCallNow.model_validate(services.who_is_on_call(uow, clock, actor, at=when))


@router.get("/roster")
def roster(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    start: Instant | None = None,
    days: Annotated[int, Query(ge=1, le=92)] = 14,
) -> RosterPublic:
    """The rotation (from the policy), its members and overrides, and who is on call from
    ``start`` (default now) over ``days`` days."""
    view = services.get_on_call_roster(uow, clock, actor, start=start, days=days)
    return RosterPublic.model_validate(view)


@router.put("/shifts/{shift}/members")
def set_members(
    shift: ShiftName, body: MembersSet, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> list[RosterMemberPublic]:
    """Replace the shift's people, in turn order (``primary`` for a weekly rotation)."""
    rows = services.set_on_call_members(uow, clock, actor, shift, body.agent_ids)
    return [RosterMemberPublic.model_validate(r) for r in rows]


@router.post("/overrides", status_code=status.HTTP_201_CREATED)
def add_override(
    body: OverrideCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> OverridePublic:
    """Put an agent on call over an interval; it wins over the rotation."""
    view = services.add_on_call_override(
        uow, clock, actor, agent_id=body.agent_id, starts_at=body.starts_at,
        ends_at=body.ends_at, shift=body.shift, reason=body.reason,
    )  # fmt: skip
    return OverridePublic.model_validate(view)


@router.delete("/overrides/{override_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_override(override_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> Response:
    services.remove_on_call_override(uow, clock, actor, override_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/pages")
def list_pages(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    ticket_id: Annotated[Id | None, Query(description="one ticket's pages")] = None,
) -> list[PagePublic]:
    """A ticket's pages, oldest first, or the latest pages of every ticket."""
    return [_page(p) for p in services.list_pages(uow, clock, actor, ticket_id=ticket_id)]


@router.post("/pages", status_code=status.HTTP_201_CREATED)
def page_on_call(body: PageCreate, actor: ActorDep, uow: UowDep, clock: ClockDep) -> PagePublic:
    """Page whoever is on call about a ticket its rule covers (a ticket already being paged
    answers its waiting page)."""
    view = services.page_on_call(uow, clock, actor, body.ticket_id, source=body.source,
                                 caller=body.caller, note=body.note)  # fmt: skip
    return _page(view)


@router.post("/pages/{page_id}/ack")
def acknowledge(page_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> PagePublic:
    """Acknowledge a page: the re-paging of its ticket stops."""
    return _page(services.acknowledge_page(uow, clock, actor, page_id))
