"""Infraspeak's technical-service requests on SQLite and PostgreSQL: filed, they get the
policy's personalised-quote answer in the customer's language, no SLA, and neither count in
nor are refused by the plan's monthly ticket quota (docs/policies.md "Infraspeak")."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from desk_fixtures import POLICY, Desk

from sladesk import services as s
from sladesk.services import Actor, NewContact, NewOrganization, NewTicket, OrganizationChanges

INFRASPEAK = Path(__file__).resolve().parents[2] / "examples" / "policies" / "infraspeak.yaml"

#: the test policy in English and Spanish, with a technical-service type like Infraspeak's
_TECHNICAL = """\
  technical_service:
    label: {en: Technical service, es: Servicio técnico}
    sla: false
    quota: false
    answer: quote
channels: [portal, email"""
_QUOTE = "  quote: {en: We will send you a quote., es: Le enviaremos un presupuesto.}\n"
BILINGUAL = (
    re.sub(r"\{en: ([^{}]+)\}", r"{en: \1, es: \1}", POLICY)
    .replace("locales: [en]", "locales: [en, es]")
    .replace("channels: [portal, email", _TECHNICAL, 1)
    .replace("messages:\n", "messages:\n" + _QUOTE, 1)
    .replace('one is over it."}', 'one is over it.", es: "Por encima de {quota}."}', 1)
)


def _publish_infraspeak(desk: Desk, text: str) -> None:
    """Infraspeak has no standard or free plan: a version dropping plans in use is refused, so
    the desk's organisations holding them leave them first."""
    for org_id in (desk.acme, desk.free):
        s.update_organization(
            desk.uow, desk.clock, desk.admin, org_id, OrganizationChanges(plan=None)
        )
    s.publish_policy(desk.uow, desk.clock, desk.admin, text, source="infraspeak.yaml")


def _file(desk: Desk, who: Actor, type_: str) -> s.TicketView:
    new = NewTicket(subject=f"A {type_}", body="Please restore the deleted assets", type=type_)
    return s.create_ticket(desk.uow, desk.clock, who, new)


def test_infraspeak_technical_service_is_answered_and_outside_sla_and_quota(desk: Desk) -> None:
    text = INFRASPEAK.read_text().replace("ticket_quota: 10 ", "ticket_quota: 1 ")
    _publish_infraspeak(desk, text)
    org = s.create_organization(desk.uow, desk.clock, desk.admin,
                                NewOrganization("Hotel", "hotel", plan="essential"))  # fmt: skip
    c = s.create_contact(desk.uow, desk.clock, desk.admin,
                         NewContact(org.id, "rita@hotel.test", "Rita"))  # fmt: skip
    rita = Actor.contact(c.id, org.id, name=c.name)

    quote = _file(desk, rita, "technical_service")
    assert not quote.over_quota
    assert [m.body for m in quote.messages][1:] == [
        "This is a Technical Service request (it involves database actions). It is not covered "
        "by the support goals; we will send you a personalized quote."
    ]
    assert quote.messages[1].author_kind == "system"
    assert quote.sla is not None and quote.sla.targets == ()
    assert "technical_service" in quote.sla.reason
    # the technical-service request did not use the plan's one ticket a month
    first = _file(desk, rita, "incident")
    assert not first.over_quota and len(first.messages) == 1
    assert first.sla is not None and first.sla.targets != ()
    # nor is one refused or flagged once the quota is used up
    assert not _file(desk, rita, "technical_service").over_quota
    assert _file(desk, rita, "incident").over_quota


def test_the_answer_is_in_the_customers_language(desk: Desk) -> None:
    s.publish_policy(desk.uow, desk.clock, desk.admin, BILINGUAL, source="bilingual.yaml")
    hola = NewOrganization("Hola", "hola", plan="standard", locale="es")
    org = s.create_organization(desk.uow, desk.clock, desk.admin, hola)
    c = s.create_contact(desk.uow, desk.clock, desk.admin,
                         NewContact(org.id, "ana@hola.test", "Ana"))  # fmt: skip
    ana = Actor.contact(c.id, org.id, name=c.name)
    assert _file(desk, ana, "technical_service").messages[1].body == "Le enviaremos un presupuesto."
    assert _file(desk, desk.alice, "technical_service").messages[1].body == (
        "We will send you a quote."
    )
    # the test plan's quota is 2: two technical-service requests left both incidents inside it
    assert not _file(desk, desk.alice, "incident").over_quota
    assert not _file(desk, desk.alice, "incident").over_quota
    assert _file(desk, desk.alice, "incident").over_quota


def test_the_compliance_report_labels_non_binding_targets_as_goals(desk: Desk) -> None:
    start, end = desk.clock.now(), desk.clock.now() + timedelta(days=1)
    binding = s.compliance_summary(desk.uow, desk.clock, desk.admin, start, end)
    assert (binding.binding, binding.targets_are) == (True, "targets")
    _publish_infraspeak(desk, INFRASPEAK.read_text())
    goals = s.compliance_summary(desk.uow, desk.clock, desk.admin, start, end)
    assert (goals.binding, goals.targets_are) == (False, "goals")
