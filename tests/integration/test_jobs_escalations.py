"""Escalations that change the ticket: a breach whose policy says `move_to_team: tier2` and
`set_priority: urgent` moves the ticket through the ticket use cases — once — on tickets
filed through the services, on both engines."""

from __future__ import annotations

from datetime import timedelta

from jobs_fixtures import NOW, Database
from jobs_fixtures import jobs_db as jobs_db
from sqlalchemy import select

from sladesk.jobs.actions import TICKET_ACTION_KINDS, TicketActionSender
from sladesk.jobs.delivery import deliver_due
from sladesk.jobs.sweep import sweep_due
from sladesk.services import (
    Actor,
    FixedClock,
    NewContact,
    NewOrganization,
    NewTicket,
    create_contact,
    create_organization,
    create_ticket,
    get_ticket,
    publish_policy,
)
from sladesk.store import Caches, UnitOfWork
from sladesk.store._tables import OutboxMessage

POLICY = """\
policy: escalations
version: "1"
locales: [en]
calendars:
  always: {timezone: UTC, hours: 24x7}
priorities:
  urgent: {label: {en: Urgent}, definition: {en: Down}}
  normal: {label: {en: Normal}, definition: {en: The rest}}
types:
  incident: {label: {en: Incident}, definition: {en: Broken}}
channels: [portal]
rules:
  - name: all
    targets:
      - metric: first_response
        calendar: always
        durations: {urgent: 1h, normal: 2h}
        on_breach: [{move_to_team: tier2}, {set_priority: urgent}]
"""
SYSTEM = Actor.system("test")


def test_breach_moves_the_ticket_to_tier2_and_raises_its_priority_once(
    jobs_db: Database,
) -> None:
    caches = Caches()

    def uow() -> UnitOfWork:
        return UnitOfWork(jobs_db.engine, caches)

    clock = FixedClock(NOW - timedelta(hours=3))
    publish_policy(uow(), clock, SYSTEM, POLICY)
    org = create_organization(uow(), clock, SYSTEM, NewOrganization(name="Acme", slug="acme"))
    contact = create_contact(
        uow(), clock, SYSTEM, NewContact(organization_id=org.id, email="c@acme.test", name="C")
    )
    customer = Actor.contact(contact.id, org.id)
    new = NewTicket(subject="Down", body="All down", type="incident", priority="normal")
    ticket = create_ticket(uow(), clock, customer, new)

    clock.set(NOW)  # three hours later: first response breached after two
    report = sweep_due(uow(), clock)
    assert (report.breaches, report.actions) == (1, 2)
    senders = dict.fromkeys(TICKET_ACTION_KINDS, TicketActionSender(uow, clock))
    delivered = deliver_due(uow(), clock, senders)
    assert (delivered.delivered, delivered.dead) == (2, 0)
    assert deliver_due(uow(), clock, senders).claimed == 0  # each once

    view = get_ticket(uow(), clock, SYSTEM, ticket.id)
    assert (view.team, view.priority) == ("tier2", "urgent")
    codes = [(e.kind, e.actor) for e in view.history]
    assert ("sla.breached", "system:sweep") in codes
    assert sum(1 for kind, _ in codes if kind == "assigned") == 1
    # the re-evaluated first response now runs on the urgent length (1 h) from the start
    (target,) = view.sla.targets if view.sla else ()
    assert target.target_text == "1h"

    # the same escalation delivered again (a worker died before recording it) is refused by
    # the ticket rules and marked dead with the reason, not applied twice
    with jobs_db.engine.begin() as conn:
        conn.execute(
            OutboxMessage.__table__.update()
            .where(OutboxMessage.kind == "move_to_team")
            .values(delivered_at=None, claimed_until=None)
        )
    again = deliver_due(uow(), clock, senders)
    assert (again.delivered, again.dead) == (0, 1)
    with jobs_db.engine.connect() as conn:
        error = conn.execute(
            select(OutboxMessage.last_error).where(OutboxMessage.kind == "move_to_team")
        ).scalar_one()
    assert "already assigned" in error
