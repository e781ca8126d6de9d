"""``/maintenance`` (the schedule for anyone signed in; admins schedule and cancel one-off
windows) and ``/incidents`` (support staff: link tickets, post a public update to all of
them, pause/resume their clocks, resolve). Each write is one service call, one transaction
(docs/api.md "Maintenance windows and major incidents")."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id
from sladesk.api.schemas.incidents import (
    IncidentCreate,
    IncidentLinks,
    IncidentPublic,
    IncidentResolve,
    IncidentSkip,
    IncidentSummary,
    IncidentUpdateCreate,
    MaintenanceCancelled,
    MaintenanceCreate,
    MaintenanceSchedulePublic,
    MaintenanceWindowPublic,
)
from sladesk.http import OneHopRoute

router = APIRouter(tags=["maintenance and incidents"], route_class=OneHopRoute)


def _incident(view: services.IncidentView) -> IncidentPublic:
    return IncidentPublic.model_validate({
        "incident": view.incident, "links": view.links, "updates": view.updates,
        "changed": view.changed,
        "skipped": [IncidentSkip(ticket_id=t, why=w) for t, w in view.skipped],
    })  # fmt: skip


@router.get("/maintenance")
def maintenance(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    days: Annotated[int, Query(ge=1, le=366, description="how far ahead to look")] = 14,
) -> MaintenanceSchedulePublic:
    """The maintenance windows running now or starting within ``days``."""
    got = services.maintenance_schedule(uow, clock, actor, days=days)
    return MaintenanceSchedulePublic.model_validate(got)


@router.post("/maintenance", status_code=status.HTTP_201_CREATED)
def schedule_maintenance(
    body: MaintenanceCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> MaintenanceWindowPublic:
    """Schedule a one-off window (admins)."""
    window = services.schedule_maintenance(uow, clock, actor, title=body.title,
                                           starts_at=body.starts_at, ends_at=body.ends_at,
                                           description=body.description)  # fmt: skip
    return MaintenanceWindowPublic.model_validate(window)


@router.delete("/maintenance/{window_id}")
def cancel_maintenance(
    window_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> MaintenanceCancelled:
    """Cancel a scheduled window (admins); 404 if there is none or it is cancelled."""
    services.cancel_maintenance(uow, clock, actor, window_id)
    return MaintenanceCancelled(cancelled=window_id)


@router.get("/incidents")
def list_incidents(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
) -> list[IncidentSummary]:
    """Incidents, newest first (support staff)."""
    found = services.list_incidents(uow, clock, actor, status=status)
    return [IncidentSummary.model_validate(i) for i in found]


@router.post("/incidents", status_code=status.HTTP_201_CREATED)
def create_incident(
    body: IncidentCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> IncidentPublic:
    """Open an incident (a partner outage or a platform incident), linking tickets."""
    return _incident(services.create_incident(uow, clock, actor, kind=body.kind,
                                              title=body.title,
                                              ticket_ids=body.ticket_ids))  # fmt: skip


@router.get("/incidents/{incident_id}")
def get_incident(incident_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> IncidentPublic:
    return _incident(services.get_incident(uow, clock, actor, incident_id))


@router.post("/incidents/{incident_id}/tickets")
def link_tickets(
    incident_id: Id, body: IncidentLinks, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> IncidentPublic:
    """Link tickets; while the incident pauses its tickets, these are paused too."""
    return _incident(services.link_tickets(uow, clock, actor, incident_id, body.ticket_ids))


@router.delete("/incidents/{incident_id}/tickets/{ticket_id}")
def unlink_ticket(
    incident_id: Id, ticket_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> IncidentPublic:
    """Unlink a ticket (resumed first if the incident paused it)."""
    return _incident(services.unlink_ticket(uow, clock, actor, incident_id, ticket_id))


@router.post("/incidents/{incident_id}/updates")
def post_update(
    incident_id: Id, body: IncidentUpdateCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> IncidentPublic:
    """One public update: a public message on every linked ticket (each customer mailed)."""
    return _incident(services.post_incident_update(uow, clock, actor, incident_id, body.body))


@router.post("/incidents/{incident_id}/pause")
def pause(incident_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> IncidentPublic:
    """Put every linked ticket on hold for the incident (its reason pauses the clocks whose
    policy says so)."""
    return _incident(services.pause_incident(uow, clock, actor, incident_id))


@router.post("/incidents/{incident_id}/resume")
def resume(incident_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> IncidentPublic:
    """Return every ticket the incident paused to the status it had."""
    return _incident(services.resume_incident(uow, clock, actor, incident_id))


@router.post("/incidents/{incident_id}/resolve")
def resolve(
    incident_id: Id, body: IncidentResolve, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> IncidentPublic:
    """Resolve: the tickets it paused resume; ``body`` is posted as a last update."""
    return _incident(services.resolve_incident(uow, clock, actor, incident_id, body=body.body))
