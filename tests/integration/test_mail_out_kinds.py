"""The rest of what goes out by mail, against aiosmtpd on loopback: a policy's
``tell_customer`` text in the customer's language, pages to on-call (the dedicated agent,
else the leads), the community redirect in the policy's own words, and the acknowledgement
of mail that arrives while the team is closed (LiveAgent's "read when the team opens") —
every instant in the recipient's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from desk_fixtures import POLICY, Desk
from sqlalchemy import Engine

from mail_fixtures import Inbox, inbox
from sladesk.channels.email import MailSender, SmtpSettings, receive_mail
from sladesk.jobs.delivery import deliver_due
from sladesk.jobs.sweep import sweep_due
from sladesk.services import (
    ContactChanges,
    OrganizationChanges,
    get_ticket,
    publish_policy,
    update_contact,
    update_organization,
)
from sladesk.store import Caches, UnitOfWork

__all__ = ["inbox"]

MESSAGES = """\
messages:
  quota_exceeded: {en: "Your plan includes {quota} tickets a month; this one is over it."}
  deadline_at_risk:
    en: "We will not meet the deadline of ticket {number} ({due}); we keep working on it."
    es: "No cumpliremos el plazo del ticket {number} ({due}); seguimos trabajando en él."
    pt: "Não cumpriremos o prazo do ticket {number} ({due}); continuamos a trabalhar nele."
  email_out_of_hours:
    pt: Recebemos o seu email fora do horário comercial.
    en: We received your email outside business hours.
    es: Recibimos su correo fuera del horario de atención.
  community_answer:
    en: Questions are answered in the community https://community.example.com/ {url}
    es: Las dudas se atienden en la comunidad https://community.example.com/
    pt: As dúvidas são atendidas na comunidade https://community.example.com/
"""


def policy(*, out_of_hours: bool = True, community: bool = False) -> str:
    text = POLICY.replace(
        'messages:\n  quota_exceeded: {en: "Your plan includes {quota} tickets a month; this one '
        'is over it."}\n',
        MESSAGES,
    )
    if community:
        text = text.replace(
            "  standard: {label: {en: Standard}, ticket_quota: 2}",
            "  standard: {label: {en: Standard}, ticket_quota: 2, community_types: [question]}",
        )
    # every text in the three languages (the policy needs each locale's)
    text = re.sub(r'\{en: ("[^"]*"|[^,}]*)\}', r"{en: \1, es: \1, pt: \1}", text)
    text = text.replace("locales: [en]", "locales: [en, es, pt]")
    if not out_of_hours:  # (a text nothing sends would not validate: it goes whole)
        text = re.sub(r"  email_out_of_hours:\n(    .*\n)+", "", text)
        assert "email_out_of_hours" not in text
    text = text.replace(
        '        warn: ["75%"]\n        on_breach: [{notify: "role:lead"}]\n',
        '        warn: ["75%"]\n        on_warning: [{tell_customer: deadline_at_risk}]\n'
        "        on_breach: [{page: on_call}]\n",
    )
    assert "tell_customer: deadline_at_risk" in text
    assert ("community_types: [question]}" in text) == community
    return text


@pytest.fixture
def desk_mail(desk: Desk) -> Desk:
    publish_policy(desk.uow, desk.clock, desk.admin, policy(), source="mail-out.yaml")
    update_organization(
        desk.uow,
        desk.clock,
        desk.admin,
        desk.globex,
        OrganizationChanges(time_zone="Europe/Lisbon"),
    )
    return desk


def sender_for(desk: Desk, engine: Engine, port: int) -> MailSender:
    settings = SmtpSettings(host="127.0.0.1", port=port, sender="support@desk.test",
                            sender_name="Desk Support", public_url="https://desk.test")  # fmt: skip
    caches = Caches()
    return MailSender(settings, lambda: UnitOfWork(engine, caches), desk.clock)


def deliver(desk: Desk, sender: MailSender) -> tuple[int, int]:
    senders = {"notify": sender, "tell_customer": sender, "page": sender}
    report = deliver_due(desk.uow, desk.clock, senders, limit=100)  # type: ignore[arg-type]
    return report.delivered, report.dead


def writes(desk: Desk, sender: str, subject: str = "Printer on fire", n: int = 1) -> int:
    raw = (
        f"From: {sender}\r\nTo: support@desk.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <out{n}@customer.test>\r\n\r\nIt is burning.\r\n"
    ).encode()
    result = receive_mail(desk.uow, desk.clock, raw)[1]
    assert result.ticket_id is not None
    return result.ticket_id


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def incident(desk: Desk, ticket_id: int) -> None:
    from sladesk.services import change_type

    change_type(desk.uow, desk.clock, desk.agent, ticket_id, "incident")


def test_tell_customer_says_the_policys_text_in_the_customers_language_and_zone(
    desk_mail: Desk, engine: Engine, inbox: Inbox
) -> None:
    desk = desk_mail
    update_contact(desk.uow, desk.clock, desk.admin, desk.bob.id or 0, ContactChanges(locale="es"))
    ticket_id = writes(desk, "bob@globex.test")
    incident(desk, ticket_id)
    sender = sender_for(desk, engine, inbox.port)
    deliver(desk, sender)
    inbox.received.clear()
    # 75% of 8 business hours from Monday 10:00 Lisbon: Monday 16:00
    desk.clock.advance(timedelta(hours=6, minutes=1))
    sweep_due(desk.uow, desk.clock, limit=100)
    _delivered, dead = deliver(desk, sender)
    assert dead == 0
    (told,) = inbox.to("bob@globex.test")
    text = text_of(told)
    assert "Sobre su ticket n.º 1 «Printer on fire»:" in text
    assert "No cumpliremos el plazo del ticket 1 (lunes 18:00 WET); seguimos trabajando" in text
    assert told["Subject"] == "[#1] Printer on fire"
    assert told["Auto-Submitted"] == "auto-generated"
    assert told["Content-Language"] == "es"


def test_a_page_goes_to_the_dedicated_agent_else_the_leads_with_the_due_instant(
    desk_mail: Desk, engine: Engine, inbox: Inbox
) -> None:
    desk = desk_mail
    first = writes(desk, "bob@globex.test", n=1)
    incident(desk, first)
    update_organization(
        desk.uow, desk.clock, desk.admin, desk.acme, OrganizationChanges(time_zone="Europe/Madrid")
    )
    second = writes(desk, "alice@acme.test", subject="Scanner on fire", n=2)
    incident(desk, second)
    update_organization(
        desk.uow, desk.clock, desk.admin, desk.globex,
        OrganizationChanges(dedicated_agent_id=desk.agent.id),
    )  # fmt: skip
    sender = sender_for(desk, engine, inbox.port)
    deliver(desk, sender)
    inbox.received.clear()
    desk.clock.advance(timedelta(days=1))  # past both first responses (Monday 18:00 Lisbon)
    sweep_due(desk.uow, desk.clock, limit=100)
    _delivered, dead = deliver(desk, sender)
    assert dead == 0
    (page,) = [m for m in inbox.to("agent@desk.test") if m["Subject"].startswith("[PAGE]")]
    assert page["Subject"] == "[PAGE] [#1] Printer on fire"
    assert page["Importance"] == "high" and page["X-Priority"] == "1"
    text = text_of(page)
    assert 'PAGE: ticket #1 "Printer on fire" (normal) — SLA breached: first response.' in text
    # in the customer's organisation's zone (agents have none of their own); a day ago
    assert "Due Monday 3 March 18:00 WET." in text
    assert "https://desk.test/tickets/" in text
    # no dedicated agent on acme: the leads (lead and admin), in acme's zone
    for lead in ("lead@desk.test", "admin@desk.test"):
        (paged,) = [m for m in inbox.to(lead) if m["Subject"].startswith("[PAGE]")]
        assert paged["Subject"] == "[PAGE] [#2] Scanner on fire"
        assert "Due Monday 3 March 19:00 CET." in text_of(paged)
    assert not [m for m in inbox.to("agent@desk.test") if "Scanner" in m["Subject"]]


def test_the_community_redirect_is_the_policys_own_text(
    desk_mail: Desk, engine: Engine, inbox: Inbox
) -> None:
    desk = desk_mail
    publish_policy(desk.uow, desk.clock, desk.admin, policy(community=True), source="c.yaml")
    ticket_id = writes(desk, "alice@acme.test", subject="How do I print?")
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, ticket_id)
    assert ticket.community_answered  # a question on a community_types plan
    deliver(desk, sender_for(desk, engine, inbox.port))
    redirects = inbox.to("alice@acme.test")
    assert len(redirects) == 1  # and no acknowledgement promising an answer besides it
    text = text_of(redirects[0])
    assert "Questions are answered in the community https://community.example.com/" in text
    assert "{url}" not in text  # the placeholder is filled
    assert redirects[0]["Subject"] == "Re: [#1] How do I print?"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "pt",
            "Recebemos o seu email fora do horário comercial. A equipa abre "
            "segunda-feira 09:00 WET.",
        ),
        ("en", "We received your email outside business hours. The team opens Monday 09:00 WET."),
    ],
)
def test_mail_out_of_hours_is_acknowledged_with_the_opening_in_the_customers_zone(
    desk_mail: Desk, engine: Engine, inbox: Inbox, locale: str, expected: str
) -> None:
    desk = desk_mail
    update_contact(
        desk.uow, desk.clock, desk.admin, desk.bob.id or 0, ContactChanges(locale=locale)
    )
    desk.clock.set(datetime(2025, 3, 8, 14, 0, tzinfo=UTC))  # Saturday
    writes(desk, "bob@globex.test")
    deliver(desk, sender_for(desk, engine, inbox.port))
    (ack,) = inbox.to("bob@globex.test")
    text = text_of(ack)
    assert expected in text
    assert ack["Auto-Submitted"] == "auto-replied"


def test_without_the_policys_words_the_acknowledgement_says_when_the_team_opens(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    publish_policy(desk.uow, desk.clock, desk.admin, policy(out_of_hours=False), source="p.yaml")
    update_organization(
        desk.uow, desk.clock, desk.admin, desk.globex, OrganizationChanges(time_zone="Asia/Tokyo")
    )
    desk.clock.set(datetime(2025, 3, 3, 20, 0, tzinfo=UTC))  # Monday 20:00 Lisbon: closed
    writes(desk, "bob@globex.test")
    deliver(desk, sender_for(desk, engine, inbox.port))
    (ack,) = inbox.to("bob@globex.test")
    text = text_of(ack)
    # the team's calendar opens Tuesday 09:00 Lisbon = 18:00 in Tokyo, the customer's zone
    assert "It arrived outside our opening hours: it will be read when the team opens, " in text
    assert "Tuesday 18:00 JST" in text


def test_during_opening_hours_the_acknowledgement_is_the_usual_one(
    desk_mail: Desk, engine: Engine, inbox: Inbox
) -> None:
    desk = desk_mail
    writes(desk, "bob@globex.test")  # Monday 10:00 Lisbon: open
    deliver(desk, sender_for(desk, engine, inbox.port))
    (ack,) = inbox.to("bob@globex.test")
    assert "outside" not in text_of(ack)
    assert "We will answer by Monday 18:00 WET." in text_of(ack)


def test_liveagent_vip_mail_on_a_saturday_is_read_when_the_team_opens(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    """The example policy as shipped: its email_out_of_hours text, in the contact's
    Portuguese, then the opening of its Mon-Fri 9-17 CET calendar in the customer's zone."""
    from pathlib import Path

    from sladesk.services import NewContact, NewOrganization, create_contact, create_organization

    example = Path(__file__).parents[2] / "examples" / "policies" / "liveagent-vip.yaml"
    # LiveAgent has no premium or free plan: a version dropping plans in use is refused
    for org_id in (desk.globex, desk.free):
        update_organization(
            desk.uow, desk.clock, desk.admin, org_id, OrganizationChanges(plan=None)
        )
    publish_policy(desk.uow, desk.clock, desk.admin, example.read_text(), source=str(example))
    org = create_organization(
        desk.uow, desk.clock, desk.admin,
        NewOrganization("Loja", "loja", plan="all_inclusive", addons=("vip",),
                        time_zone="America/Sao_Paulo"),
    )  # fmt: skip
    create_contact(
        desk.uow, desk.clock, desk.admin, NewContact(org.id, "ana@loja.test", "Ana", locale="pt")
    )
    desk.clock.set(datetime(2025, 3, 8, 14, 0, tzinfo=UTC))  # Saturday
    writes(desk, "ana@loja.test", subject="Integração parada")
    deliver(desk, sender_for(desk, engine, inbox.port))
    (ack,) = inbox.to("ana@loja.test")
    text = " ".join(text_of(ack).split())
    assert (
        "Recebemos o seu email fora do horário comercial; seu agente dedicado tratará dele no "
        "próximo dia útil. A equipa abre segunda-feira 05:00 -03." in text
    )  # Monday 09:00 CET is 05:00 in São Paulo


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Your plan includes 2 tickets a month; this one is over it."),
        ("es", "Su plan incluye 2 tickets al mes; este lo supera (ya hubo 2)."),
    ],
)
def test_a_ticket_over_the_plans_monthly_quota_is_told_so_in_the_policys_words(
    desk_mail: Desk, engine: Engine, inbox: Inbox, locale: str, expected: str
) -> None:
    """Infraspeak's "as many support tickets per month as defined in the Support & Success
    Plan": Acme's plan allows 2 a month; the third mail gets the acknowledgement and the
    policy's ``quota_exceeded`` text in the customer's language, ``{quota}`` and ``{used}``
    filled — not the generic notice."""
    desk = desk_mail
    spanish = policy().replace(
        'quota_exceeded: {en: "Your plan includes {quota} tickets a month; this one is over '
        'it.", es: "Your plan includes {quota} tickets a month; this one is over it.", ',
        'quota_exceeded: {en: "Your plan includes {quota} tickets a month; this one is over '
        'it.", es: "Su plan incluye {quota} tickets al mes; este lo supera (ya hubo {used}).", ',
    )
    assert "ya hubo {used}" in spanish
    publish_policy(desk.uow, desk.clock, desk.admin, spanish, source="quota.yaml")
    update_contact(desk.uow, desk.clock, desk.admin, desk.alice.id or 0,
                   ContactChanges(locale=locale))  # fmt: skip
    sender = sender_for(desk, engine, inbox.port)
    for n in (1, 2):
        writes(desk, "alice@acme.test", subject=f"Printer {n}", n=n)
    deliver(desk, sender)
    assert len(inbox.to("alice@acme.test")) == 2  # the two acknowledgements, nothing else
    third = writes(desk, "alice@acme.test", subject="Printer 3", n=3)
    assert get_ticket(desk.uow, desk.clock, desk.agent, third).over_quota
    assert deliver(desk, sender)[1] == 0
    assert len(inbox.to("alice@acme.test")) == 4
    ack, quota = sorted(inbox.to("alice@acme.test")[2:], key=lambda m: "over" in text_of(m)
                        or "supera" in text_of(m))  # fmt: skip
    assert expected in text_of(quota)
    assert "quota_exceeded" not in text_of(quota) and "ticket.over_quota" not in text_of(quota)
    assert quota["Subject"] == "[#3] Printer 3" and quota["Content-Language"] == locale
    assert quota["Auto-Submitted"] == "auto-replied"
    assert expected not in text_of(ack)


def test_without_the_policys_words_the_quota_mail_says_the_plans_quota(
    desk_mail: Desk, engine: Engine, inbox: Inbox
) -> None:
    desk = desk_mail
    bare = re.sub(r"  quota_exceeded: \{.*\}\n", "", policy())
    assert "quota_exceeded" not in bare
    publish_policy(desk.uow, desk.clock, desk.admin, bare, source="bare.yaml")
    for n in (1, 2, 3):
        writes(desk, "alice@acme.test", subject=f"Printer {n}", n=n)
    deliver(desk, sender_for(desk, engine, inbox.port))
    (quota,) = [m for m in inbox.to("alice@acme.test") if "Printer 3" in m["Subject"]
                and "over it" in text_of(m)]  # fmt: skip
    assert "Your plan includes 2 tickets a month and this one is over it" in text_of(quota)
