"""The demo's maintenance window and major incident, for a policy that declares maintenance
(Blip Go!): a one-off window scheduled by the admin for tomorrow night (so the portal's
banner shows it now), and a partner outage linking the open incidents of the paying
customers, with a public update sent to all of them and their clocks paused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sladesk.policy import Policy, Status
from sladesk.services import (
    Actor,
    FixedClock,
    create_incident,
    get_ticket,
    pause_incident,
    post_incident_update,
    schedule_maintenance,
)
from sladesk.store import UnitOfWork

__all__ = ["DemoIncident", "stage_incident"]

#: the update each linked customer gets, in the policy's first language
_UPDATE = {
    "es": "Nuestro socio de mensajería (API de WhatsApp Business) no está disponible. Estamos "
    "en contacto con él y le informaremos del progreso; mientras tanto los plazos de solución "
    "no corren.",
    "pt": "Nosso parceiro de mensagens (API do WhatsApp Business) está indisponível. Estamos "
    "em contato com ele e informaremos o andamento; enquanto isso, os prazos de solução não "
    "correm.",
    "en": "Our messaging partner (the WhatsApp Business API) is down. We are in touch with "
    "them and will keep you posted; meanwhile the solution deadlines do not run.",
}


@dataclass(frozen=True, slots=True)
class DemoIncident:
    window_starts_at: datetime
    incident_id: int
    tickets: int


def stage_incident(
    uow: UnitOfWork, clock: FixedClock, policy: Policy, admin: Actor, agent: Actor,
    ticket_ids: list[int],
) -> DemoIncident | None:  # fmt: skip
    """Schedule tomorrow night's window and open the partner outage (None: the policy
    declares no maintenance, so this demo shows neither)."""
    if policy.maintenance is None:
        return None
    now = clock.now()
    zone = ZoneInfo("UTC")
    if policy.maintenance.calendar is not None:
        zone = policy.calendars[policy.maintenance.calendar].timezone
    night = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(23, 0), zone)
    start = night.astimezone(UTC)
    window = schedule_maintenance(
        uow, clock, admin, title="Database upgrade / Actualización de la base de datos",
        starts_at=start, ends_at=start + timedelta(hours=3),
        description="Read-only for up to three hours.",
    )  # fmt: skip
    open_incidents = []
    for ticket_id in ticket_ids:
        view = get_ticket(uow, clock, agent, ticket_id)
        if view.type == "incident" and view.status not in (Status.SOLVED, Status.CLOSED):
            open_incidents.append(ticket_id)
    linked = open_incidents[:4]
    incident = create_incident(uow, clock, agent, kind="partner_outage",
                               title="WhatsApp Business API outage (partner)",
                               ticket_ids=linked)  # fmt: skip
    if linked:
        text = _UPDATE.get(policy.locales[0], _UPDATE["en"])
        post_incident_update(uow, clock, agent, incident.incident.id, text)
        pause_incident(uow, clock, agent, incident.incident.id)
    return DemoIncident(window.starts_at, incident.incident.id, len(linked))
