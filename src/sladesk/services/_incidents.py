"""Major incidents: one partner outage or platform incident, many tickets linked to it.

Each use case is one transaction over the incident and its linked tickets, every ticket
changed through the ticket commands (``write_change``: load through the gateway, decide,
evaluate, apply, audit and outbox), so each ticket's history, timeline and ``explain`` show
what the incident did to it:

- **pause**: every linked ticket still being worked on goes ``on_hold`` with the incident's
  reason (``partner_outage`` or ``platform_incident``); a target whose ``pause_on`` names that
  reason stops its clock (Blip Go!: ``on_hold:partner_outage``, partner outages are excluded
  from the SLA; a platform incident is Blip's own and its clocks keep running). The status it
  had before is kept on the link.
- **resume** (and **resolve**): each ticket the incident paused and still on hold for it goes
  back to the status it had (``new`` comes back ``open``).
- **update**: one public message on every linked ticket not closed, which mails each
  customer through the outbox (the ``ticket.replied`` notice), and one incident update row.
- **link/unlink**: a ticket linked while the incident pauses is paused too; unlinking a
  ticket the incident paused resumes it.

Only support staff (agents, leads, admins) manage incidents; contacts see what reaches their
tickets (the public messages and status changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sladesk.policy import Status
from sladesk.services._tickets_write import write_change
from sladesk.services.clock import Clock
from sladesk.sla import Event
from sladesk.store import (
    IncidentLink,
    IncidentRecord,
    IncidentRepository,
    IncidentUpdateRecord,
    StoredTicket,
    UnitOfWork,
)
from sladesk.tickets import (
    Actor,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    TicketRuleError,
    check_storable_text,
    decide_reply,
    decide_status_change,
)

__all__ = [
    "INCIDENT_KINDS",
    "IncidentView",
    "create_incident",
    "get_incident",
    "incidents_of_ticket",
    "incidents_as_read",
    "link_tickets",
    "list_incidents",
    "pause_incident",
    "post_incident_update",
    "resolve_incident",
    "resume_incident",
    "unlink_ticket",
]

#: incident kind -> the on-hold reason its pause gives the linked tickets (what a policy's
#: ``pause_on: ["on_hold:<reason>"]`` names)
INCIDENT_KINDS = {"partner_outage": "partner_outage", "platform_incident": "platform_incident"}
MAX_LINKS_PER_CALL = 1000


@dataclass(frozen=True, slots=True)
class IncidentView:
    incident: IncidentRecord
    links: tuple[IncidentLink, ...]
    updates: tuple[IncidentUpdateRecord, ...]
    #: what the last action did: ticket ids changed, and those it left alone (with why)
    changed: tuple[int, ...] = ()
    skipped: tuple[tuple[int, str], ...] = ()

    @property
    def reason(self) -> str:
        return INCIDENT_KINDS[self.incident.kind]


class _Skip(Exception):
    """A linked ticket the action leaves alone (raised before anything of it is written)."""


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden("only support agents manage incidents")


def _load(repo: IncidentRepository, incident_id: int, *, for_update: bool) -> IncidentRecord:
    found = repo.get(incident_id, for_update=for_update)
    if found is None:
        raise NotFound("incident", incident_id)
    return found


def _open(incident: IncidentRecord) -> None:
    if incident.status != "open":
        raise Conflict(f"incident {incident.id} is resolved")


def _view(
    repo: IncidentRepository,
    incident_id: int,
    changed: Sequence[int] = (),
    skipped: Sequence[tuple[int, str]] = (),
) -> IncidentView:
    incident = _load(repo, incident_id, for_update=False)
    return IncidentView(incident, tuple(repo.links(incident_id)),
                        tuple(repo.updates(incident_id)), tuple(changed),
                        tuple(skipped))  # fmt: skip


def _title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidRequest("an incident needs a title", field="title")
    if len(title) > 300:
        raise InvalidRequest("the title is longer than 300 characters", field="title")
    return check_storable_text(title, field="title")


def _by_number(repo: IncidentRepository, numbers: Sequence[int]) -> list[int]:
    """Ticket numbers (what people see: ``#12``) -> ids; NotFound for one that does not
    exist."""
    found = repo.ticket_ids(list(dict.fromkeys(numbers)))
    for n in numbers:
        if n not in found:
            raise NotFound("ticket", f"#{n}")
    return [found[n] for n in numbers]


def _ticket_ids(ticket_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(ticket_ids))
    if len(ids) > MAX_LINKS_PER_CALL:
        raise InvalidRequest(f"at most {MAX_LINKS_PER_CALL} tickets at once", field="ticket_ids")
    return ids


def create_incident(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    kind: str,
    title: str,
    ticket_ids: Sequence[int] = (),
    numbers: Sequence[int] = (),
) -> IncidentView:
    """A new open incident, with the tickets given (by id, or by ``numbers``) linked."""
    _require_staff(actor)
    if kind not in INCIDENT_KINDS:
        raise InvalidRequest(
            f"unknown incident kind {kind!r} (one of {', '.join(INCIDENT_KINDS)})", field="kind"
        )
    title = _title(title)
    _ticket_ids([*ticket_ids, *numbers])
    now = clock.now()
    with uow:
        repo = IncidentRepository(uow.db)
        ids = _ticket_ids([*ticket_ids, *_by_number(repo, numbers)])
        for ticket_id in ids:
            uow.gateway.load(ticket_id, actor.scope)  # NotFound for a ticket not there
        incident_id = repo.create(kind, title, actor.key, now)
        linked = repo.link(incident_id, ids, actor.key, now)
        uow.audit.add(now, actor.key, "sladesk.incident.created",
                      {"incident_id": incident_id, "kind": kind, "tickets": linked})  # fmt: skip
        view = _view(repo, incident_id, linked)
        uow.commit()
    return view


def list_incidents(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, status: str | None = None
) -> list[IncidentRecord]:
    _require_staff(actor)
    if status is not None and status not in ("open", "resolved"):
        raise InvalidRequest("status is open or resolved", field="status")
    with uow.read_only():
        return IncidentRepository(uow.db).all(status=status)


def get_incident(uow: UnitOfWork, clock: Clock, actor: Actor, incident_id: int) -> IncidentView:
    _require_staff(actor)
    with uow.read_only():
        return _view(IncidentRepository(uow.db), incident_id)


def incidents_of_ticket(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int
) -> list[IncidentRecord]:
    """The incidents a ticket is linked to (staff; the ticket must be visible)."""
    _require_staff(actor)
    with uow.read_only():
        uow.gateway.load(ticket_id, actor.scope)
        return incidents_as_read(uow, actor, ticket_id)


def incidents_as_read(uow: UnitOfWork, actor: Actor, ticket_id: int) -> list[IncidentRecord]:
    """:func:`incidents_of_ticket` in the caller's open unit of work, for a ticket the caller
    was already found to see."""
    _require_staff(actor)
    return IncidentRepository(uow.db).of_ticket(ticket_id)


def _pause_one(
    uow: UnitOfWork, repo: IncidentRepository, actor: Actor, incident: IncidentRecord,
    ticket_id: int, now: datetime,
) -> tuple[int, str | None, str | None]:  # fmt: skip
    """Put one linked ticket on hold for the incident (``_Skip`` when it is not worked on
    or already on hold for this reason); the status it had, to keep on the link."""
    reason = INCIDENT_KINDS[incident.kind]
    before: list[StoredTicket] = []

    def decide(_u: UnitOfWork, t: StoredTicket, at: datetime) -> list[Event]:
        if t.state.status in (Status.SOLVED, Status.CLOSED):
            raise _Skip(t.state.status.value)
        if t.state.status is Status.ON_HOLD and t.state.status_reason == reason:
            raise _Skip("already on hold for this reason")
        before.append(t)
        return decide_status_change(t.state, actor, Status.ON_HOLD.value, reason, now=at)

    data = {"status": "on_hold", "reason": reason, "incident_id": incident.id}
    write_change(uow, now, actor, ticket_id, decide, "status.changed", data=data)
    (t,) = before
    return (ticket_id, t.state.status.value, t.state.status_reason)


def _resume_one(
    uow: UnitOfWork, repo: IncidentRepository, actor: Actor, incident: IncidentRecord,
    link: IncidentLink, now: datetime,
) -> None:  # fmt: skip
    """Return one ticket the incident paused to the status it had (``_Skip`` when someone
    moved it on meanwhile: then it stays as they left it)."""
    reason = INCIDENT_KINDS[incident.kind]
    back = link.paused_status or Status.OPEN.value
    if back == Status.NEW.value:
        back = Status.OPEN.value
    back_reason = link.paused_reason if back == Status.ON_HOLD.value else None

    def decide(_u: UnitOfWork, t: StoredTicket, at: datetime) -> list[Event]:
        if t.state.status is not Status.ON_HOLD or t.state.status_reason != reason:
            raise _Skip(f"no longer on hold for the incident ({t.state.status.value})")
        return decide_status_change(t.state, actor, back, back_reason, now=at)

    write_change(uow, now, actor, link.ticket_id, decide, "status.changed",
                 data={"status": back, "reason": back_reason,
                       "incident_id": incident.id})  # fmt: skip


def _pause_all(
    uow: UnitOfWork, repo: IncidentRepository, actor: Actor, incident: IncidentRecord,
    ticket_ids: Sequence[int], now: datetime,
) -> tuple[list[int], list[tuple[int, str]]]:  # fmt: skip
    changed: list[int] = []
    skipped: list[tuple[int, str]] = []
    pauses = []
    for ticket_id in ticket_ids:
        try:
            pauses.append(_pause_one(uow, repo, actor, incident, ticket_id, now))
        except (_Skip, TicketRuleError) as exc:
            skipped.append((ticket_id, str(exc)))
        else:
            changed.append(ticket_id)
    repo.set_ticket_pauses(incident.id, pauses)
    return changed, skipped


def _resume_all(
    uow: UnitOfWork, repo: IncidentRepository, actor: Actor, incident: IncidentRecord,
    links: Sequence[IncidentLink], now: datetime,
) -> tuple[list[int], list[tuple[int, str]]]:  # fmt: skip
    changed: list[int] = []
    skipped: list[tuple[int, str]] = []
    paused = [link for link in links if link.paused_status is not None]
    for link in paused:
        try:
            _resume_one(uow, repo, actor, incident, link, now)
        except (_Skip, TicketRuleError) as exc:
            skipped.append((link.ticket_id, str(exc)))
        else:
            changed.append(link.ticket_id)
    # resumed or moved on meanwhile: the incident no longer holds any of them
    repo.set_ticket_pauses(incident.id, [(link.ticket_id, None, None) for link in paused])
    return changed, skipped


def link_tickets(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    ticket_ids: Sequence[int] = (),
    *,
    numbers: Sequence[int] = (),
) -> IncidentView:
    """Link tickets by id or by ``numbers`` (already linked ones are left as they are);
    while the incident pauses its tickets, the new ones are paused too."""
    _require_staff(actor)
    if not _ticket_ids([*ticket_ids, *numbers]):
        raise InvalidRequest("give at least one ticket to link", field="ticket_ids")
    now = clock.now()
    with uow:
        repo = IncidentRepository(uow.db)
        ids = _ticket_ids([*ticket_ids, *_by_number(repo, numbers)])
        incident = _load(repo, incident_id, for_update=True)
        _open(incident)
        for ticket_id in ids:
            uow.gateway.load(ticket_id, actor.scope)
        linked = repo.link(incident_id, ids, actor.key, now)
        skipped: list[tuple[int, str]] = []
        if incident.paused:
            _, skipped = _pause_all(uow, repo, actor, incident, linked, now)
        uow.audit.add(now, actor.key, "sladesk.incident.linked",
                      {"incident_id": incident_id, "tickets": linked})  # fmt: skip
        view = _view(repo, incident_id, linked, skipped)
        uow.commit()
    return view


def unlink_ticket(
    uow: UnitOfWork, clock: Clock, actor: Actor, incident_id: int, ticket_id: int
) -> IncidentView:
    """Unlink one ticket; if the incident paused it, it is resumed first."""
    _require_staff(actor)
    now = clock.now()
    with uow:
        repo = IncidentRepository(uow.db)
        incident = _load(repo, incident_id, for_update=True)
        link = next((x for x in repo.links(incident_id) if x.ticket_id == ticket_id), None)
        if link is None:
            raise NotFound(f"link of incident {incident_id} to ticket", ticket_id)
        changed, skipped = _resume_all(uow, repo, actor, incident, [link], now)
        repo.unlink(incident_id, ticket_id)
        uow.audit.add(now, actor.key, "sladesk.incident.unlinked",
                      {"incident_id": incident_id, "ticket_id": ticket_id})  # fmt: skip
        view = _view(repo, incident_id, changed, skipped)
        uow.commit()
    return view


def pause_incident(uow: UnitOfWork, clock: Clock, actor: Actor, incident_id: int) -> IncidentView:
    """Put every linked ticket on hold for the incident, in one transaction."""
    return _hold(uow, clock, actor, incident_id, pause=True)


def resume_incident(uow: UnitOfWork, clock: Clock, actor: Actor, incident_id: int) -> IncidentView:
    """Return every ticket the incident paused to the status it had, in one transaction."""
    return _hold(uow, clock, actor, incident_id, pause=False)


def _hold(
    uow: UnitOfWork, clock: Clock, actor: Actor, incident_id: int, *, pause: bool
) -> IncidentView:
    """Pause (``pause``) or resume the incident's tickets: a Conflict when it already does."""
    _require_staff(actor)
    now = clock.now()
    with uow:
        repo = IncidentRepository(uow.db)
        incident = _load(repo, incident_id, for_update=True)
        _open(incident)
        if incident.paused == pause:
            held = "already pauses" if pause else "does not pause"
            raise Conflict(f"incident {incident_id} {held} its tickets")
        links = repo.links(incident_id)
        if pause:
            ids = [x.ticket_id for x in links]
            changed, skipped = _pause_all(uow, repo, actor, incident, ids, now)
        else:
            changed, skipped = _resume_all(uow, repo, actor, incident, links, now)
        repo.set_paused(incident_id, pause)
        code = "sladesk.incident.paused" if pause else "sladesk.incident.resumed"
        uow.audit.add(now, actor.key, code, {"incident_id": incident_id, "tickets": changed})
        view = _view(repo, incident_id, changed, skipped)
        uow.commit()
    return view


def _post(
    uow: UnitOfWork, repo: IncidentRepository, actor: Actor, incident_id: int, body: str,
    now: datetime,
) -> tuple[list[int], list[tuple[int, str]]]:  # fmt: skip
    changed: list[int] = []
    skipped: list[tuple[int, str]] = []
    for link in repo.links(incident_id):
        if link.status == Status.CLOSED.value:
            skipped.append((link.ticket_id, "closed"))
            continue

        def decide(_u: UnitOfWork, t: StoredTicket, at: datetime) -> list[Event]:
            return decide_reply(t.state, actor, body, now=at)

        code = "replied.customer" if actor.is_contact else "replied.agent"
        try:
            write_change(uow, now, actor, link.ticket_id, decide, code, body=body)
        except TicketRuleError as exc:
            skipped.append((link.ticket_id, str(exc)))
        else:
            changed.append(link.ticket_id)
    repo.add_update(incident_id, body, actor.key, actor.name, now, len(changed))
    return changed, skipped


def _body(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidRequest("an update needs a text", field="body")
    return check_storable_text(body, field="body")


def post_incident_update(
    uow: UnitOfWork, clock: Clock, actor: Actor, incident_id: int, body: str
) -> IncidentView:
    """One public update: a public message on every linked ticket not closed (each customer
    is mailed through the outbox), in one transaction."""
    _require_staff(actor)
    body = _body(body)
    now = clock.now()
    with uow:
        repo = IncidentRepository(uow.db)
        _load(repo, incident_id, for_update=True)
        changed, skipped = _post(uow, repo, actor, incident_id, body, now)
        uow.audit.add(now, actor.key, "sladesk.incident.updated",
                      {"incident_id": incident_id, "tickets": changed})  # fmt: skip
        view = _view(repo, incident_id, changed, skipped)
        uow.commit()
    return view


def resolve_incident(
    uow: UnitOfWork, clock: Clock, actor: Actor, incident_id: int, *, body: str | None = None
) -> IncidentView:
    """Resolve the incident: the tickets it paused resume, and ``body`` (if given) is posted
    as its last public update, in one transaction. The tickets stay open for their agents."""
    _require_staff(actor)
    text = _body(body) if body is not None and body.strip() else None
    now = clock.now()
    with uow:
        repo = IncidentRepository(uow.db)
        incident = _load(repo, incident_id, for_update=True)
        _open(incident)
        changed, skipped = _resume_all(uow, repo, actor, incident, repo.links(incident_id), now)
        if text is not None:
            _post(uow, repo, actor, incident_id, text, now)
        repo.resolve(incident_id, now)
        uow.audit.add(now, actor.key, "sladesk.incident.resolved",
                      {"incident_id": incident_id, "resumed": changed})  # fmt: skip
        view = _view(repo, incident_id, changed, skipped)
        uow.commit()
    return view
