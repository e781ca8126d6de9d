"""Escalations that change the ticket: a breach whose policy says `move_to_team: tier2` and
`set_priority: urgent` moves the ticket through the ticket use cases — once — on tickets
filed through the services, on both engines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jobs_fixtures import NOW, Database
from jobs_fixtures import jobs_db as jobs_db
from sqlalchemy import select

from sladesk.jobs.actions import TICKET_ACTION_KINDS, TicketActionSender
from sladesk.jobs.delivery import deliver_due
from sladesk.jobs.sweep import sweep_due
from sladesk.services import (
    Actor,
    FixedClock,
    NewAgent,
    NewContact,
    NewOrganization,
    NewTicket,
    create_agent,
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
    # the first response stays breached by the length it breached (normal, 2 h), though the
    # ticket is urgent now (docs/policies.md, "The length of a target")
    (target,) = view.sla.targets if view.sla else ()
    assert (target.state, target.target_text, target.priority) == ("breached", "2h", "normal")
    assert target.target is not None and target.left == target.target - target.used

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


PEOPLE_POLICY = """\
policy: people
version: "1"
locales: [en, pt]
calendars:
  always: {timezone: UTC, hours: 24x7}
priorities:
  normal: {label: {en: Normal, pt: Normal}, definition: {en: All, pt: Tudo}}
types:
  incident: {label: {en: Incident, pt: Incidente}, definition: {en: Broken, pt: Avariado}}
channels: [portal]
messages:
  late: {en: "We are late.", pt: "Estamos atrasados."}
rules:
  - name: all
    targets:
      - metric: first_response
        calendar: always
        duration: 1h
        on_breach:
          - {notify: dedicated_agent}
          - {notify: assignee}
          - {notify: "role:lead"}
          - {page: on_call}
          - {tell_customer: late}
          - {webhook: ops}
"""


def test_escalation_payloads_name_their_recipient_language_and_ticket(jobs_db: Database) -> None:
    """The sweep's outbox rows have the shapes of ``services._outbox``: ``dedicated_agent``
    is the organisation's dedicated agent by id, ``assignee`` (nobody assigned, no team) is
    every agent, ``tell_customer`` goes to the requester with the policy's message key, in
    the requester's organisation's locale and time zone."""
    caches = Caches()

    def uow() -> UnitOfWork:
        return UnitOfWork(jobs_db.engine, caches)

    clock = FixedClock(NOW - timedelta(hours=2))
    publish_policy(uow(), clock, SYSTEM, PEOPLE_POLICY)
    dedicated = create_agent(uow(), clock, SYSTEM, NewAgent("d@desk.test", "Dee Dedicated"))
    org = create_organization(
        uow(), clock, SYSTEM,
        NewOrganization(name="Acme", slug="acme", locale="pt", time_zone="Europe/Lisbon",
                        dedicated_agent_id=dedicated.id),
    )  # fmt: skip
    contact = create_contact(
        uow(), clock, SYSTEM, NewContact(organization_id=org.id, email="c@acme.test", name="C")
    )
    new = NewTicket(subject="Down", body="All down", type="incident")
    ticket = create_ticket(uow(), clock, Actor.contact(contact.id, org.id), new)

    clock.set(NOW)
    assert sweep_due(uow(), clock).actions == 6
    with jobs_db.engine.connect() as conn:
        rows = conn.execute(
            select(OutboxMessage.kind, OutboxMessage.payload)
            .where(OutboxMessage.key.like(f"sla:{ticket.id}:%"))
            .order_by(OutboxMessage.key)
        ).all()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for kind, payload in rows:
        by_kind.setdefault(kind, []).append(payload)
    recipients = [p["recipient"] for p in by_kind["notify"]]
    assert recipients == [
        {"kind": "agent", "id": dedicated.id},
        {"kind": "role", "id": "agent"},
        {"kind": "role", "id": "lead"},
    ]
    (page,) = by_kind["page"]
    assert page["recipient"] == {"kind": "on_call", "id": "on_call"}
    (tell,) = by_kind["tell_customer"]
    assert tell["recipient"] == {"kind": "contact", "id": contact.id}
    assert (tell["template"], tell["locale"], tell["time_zone"]) == ("late", "pt", "Europe/Lisbon")
    for payload in [*by_kind["notify"], page, tell]:
        assert payload["event"] == "sla.breached" and payload["actor"] == "system:sweep"
        assert payload["ticket"]["reference"] == f"#{ticket.number}"
        assert payload["data"]["metric"] == "first_response"
        assert payload["data"]["threshold"] == "breach"
        assert payload["locale"] == "pt"
    (hook,) = by_kind["webhook"]
    assert hook["endpoint"] == "ops"
    assert hook["body"]["event"] == "sla.breached"
    assert hook["body"]["ticket"]["id"] == ticket.id
