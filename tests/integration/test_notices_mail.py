"""Maintenance notices and incident updates by mail, through the outbox delivery and our
senders, to aiosmtpd on loopback: every customer gets the notice once, in their language
and time zone; one incident update mails every linked ticket's customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from desk_fixtures import Desk
from sqlalchemy import Engine
from test_maintenance import WINDOWS

from mail_fixtures import Inbox, inbox
from sladesk import services as s
from sladesk.channels.email import MailSender, MaintenanceMailSender, SmtpSettings
from sladesk.jobs.delivery import deliver_due
from sladesk.jobs.maintenance import MaintenanceNoticeJob
from sladesk.services import ContactChanges, NewTicket, OrganizationChanges
from sladesk.store import Caches, UnitOfWork

__all__ = ["inbox"]


def _settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="support@desk.test",
                        sender_name="Desk Support", public_url="https://desk.test")  # fmt: skip


def _text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def windows(desk: Desk) -> Desk:
    s.publish_policy(desk.uow, desk.clock, desk.admin, WINDOWS, source="windows.yaml")
    s.update_organization(desk.uow, desk.clock, desk.admin, desk.globex,
                          OrganizationChanges(time_zone="America/Sao_Paulo"))  # fmt: skip
    s.update_contact(desk.uow, desk.clock, desk.admin, desk.bob.id or 0,
                     ContactChanges(locale="es"))  # fmt: skip
    return desk


def test_maintenance_notices_arrive_once_in_each_customers_language_and_zone(
    windows: Desk, engine: Engine, inbox: Inbox
) -> None:
    desk = windows
    start = datetime(2025, 3, 5, 20, 0, tzinfo=UTC)
    s.schedule_maintenance(desk.uow, desk.clock, desk.admin, title="Database upgrade",
                           starts_at=start, ends_at=start + timedelta(hours=2))  # fmt: skip
    caches = Caches()
    sender = MaintenanceMailSender(_settings(inbox.port),
                                   lambda: UnitOfWork(engine, caches), desk.clock)  # fmt: skip
    job = MaintenanceNoticeJob(desk.uow, desk.clock, interval=timedelta(seconds=60))

    def run_and_deliver() -> int:
        job.run_once()
        report = deliver_due(desk.uow, desk.clock, {"maintenance": sender}, limit=100)
        assert report.dead == 0 and report.retried == 0
        return report.delivered

    desk.clock.set(start - timedelta(hours=6))
    assert run_and_deliver() == 3
    desk.clock.advance(timedelta(minutes=2))
    assert run_and_deliver() == 0  # each notice once
    (alice,) = inbox.to("alice@acme.test")
    (bob,) = inbox.to("bob@globex.test")
    assert alice["Subject"] == "Scheduled maintenance: Wednesday 20:00 UTC"
    assert 'maintenance "Database upgrade" from Wednesday 20:00 UTC until Wednesday 22:00 UTC' in (
        _text(alice)
    )
    assert "The platform may be briefly unavailable." in _text(alice)
    # Bob reads Spanish, in São Paulo's time (UTC-3)
    assert bob["Content-Language"] == "es"
    assert "desde el miércoles 17:00 -03 hasta el miércoles 19:00 -03" in _text(bob)
    desk.clock.set(start + timedelta(minutes=1))
    assert run_and_deliver() == 3
    assert [m["Subject"] for m in inbox.to("bob@globex.test")][1].startswith(
        "Ha comenzado el mantenimiento"
    )


def test_one_incident_update_mails_every_linked_customer(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    ids = [
        s.create_ticket(desk.uow, desk.clock, who,
                        NewTicket(subject=f"Down for {who.name}", body="x", type="incident")).id
        for who in (desk.alice, desk.bob)
    ]  # fmt: skip
    incident = s.create_incident(desk.uow, desk.clock, desk.agent, kind="partner_outage",
                                 title="Card processor", ticket_ids=ids)  # fmt: skip
    caches = Caches()
    sender = MailSender(_settings(inbox.port), lambda: UnitOfWork(engine, caches), desk.clock)
    deliver_due(desk.uow, desk.clock, {"notify": sender}, limit=100)  # the acknowledgements
    before = {a: len(inbox.to(a)) for a in ("alice@acme.test", "bob@globex.test")}
    s.post_incident_update(desk.uow, desk.clock, desk.agent, incident.incident.id,
                           "Our card processor is down; we are on it with them.")  # fmt: skip
    report = deliver_due(desk.uow, desk.clock, {"notify": sender}, limit=100)
    assert report.dead == 0
    for address in before:
        got = inbox.to(address)
        assert len(got) == before[address] + 1
        assert "Our card processor is down; we are on it with them." in _text(got[-1])


def test_a_contact_known_only_by_a_chat_number_gets_no_maintenance_mail(
    windows: Desk, engine: Engine, inbox: Inbox
) -> None:
    """A WhatsApp contact's placeholder address (``…@whatsapp.invalid``) is not queued; a
    row queued for one anyway (before the check existed) is delivered as nothing sent."""
    desk = windows
    placeholder = s.reserved_whatsapp_address("351910000000")
    s.create_contact(desk.uow, desk.clock, desk.admin,
                     s.NewContact(desk.acme, placeholder, "Wanda WhatsApp"))  # fmt: skip
    start = datetime(2025, 3, 5, 20, 0, tzinfo=UTC)
    s.schedule_maintenance(desk.uow, desk.clock, desk.admin, title="Database upgrade",
                           starts_at=start, ends_at=start + timedelta(hours=2))  # fmt: skip
    desk.clock.set(start - timedelta(hours=6))
    run = s.send_maintenance_notices(desk.uow, desk.clock, s.Actor.system("jobs"))
    assert run.messages == 3  # alice, bob, carol: not Wanda
    with desk.uow.read_only():
        rows = desk.uow.outbox.all("maintenance")
    assert sorted(str(r.payload["address"]) for r in rows) == [
        "alice@acme.test", "bob@globex.test", "carol@freeco.test",
    ]  # fmt: skip
    legacy = {**rows[0].payload, "address": placeholder, "name": "Wanda WhatsApp"}
    with desk.uow:
        desk.uow.outbox.add("maintenance", "maintenance:legacy:wanda", legacy, desk.clock.now())
        desk.uow.commit()
    caches = Caches()
    sender = MaintenanceMailSender(_settings(inbox.port),
                                   lambda: UnitOfWork(engine, caches), desk.clock)  # fmt: skip
    report = deliver_due(desk.uow, desk.clock, {"maintenance": sender}, limit=100)
    assert (report.delivered, report.dead) == (4, 0)
    assert sorted(a for rcpt, _ in inbox.received for a in rcpt) == [
        "alice@acme.test", "bob@globex.test", "carol@freeco.test",
    ]  # fmt: skip
    assert s.list_mail(desk.uow, desk.clock, desk.admin, direction="out")  # recorded...
    assert all(m.rcpt != placeholder for m in s.list_mail(desk.uow, desk.clock, desk.admin))
