"""WhatsApp in the demo, through the same use cases as the webhook: a customer writes from
their phone twice (the second message continues the ticket), an agent answers (queued in
the outbox as a ``whatsapp`` message: the demo configures no Cloud API, so it stays
queued); another customer wrote more than 24 hours ago, so the console offers the approved
templates (two, cached as the refresh job would have listed them) instead of free text."""

from __future__ import annotations

from datetime import datetime, timedelta

from sladesk.policy import Policy
from sladesk.services import (
    Actor,
    AgentView,
    FixedClock,
    InboundWhatsApp,
    OrganizationView,
    WhatsAppTemplate,
    receive_whatsapp,
    reply_publicly,
    store_whatsapp_templates,
)
from sladesk.store import UnitOfWork

__all__ = ["whatsapp_conversation"]

NUMBER = "351912000777"
LATE_NUMBER = "351912000888"
#: the approved templates of the demo's business account
TEMPLATES = [
    WhatsAppTemplate("ticket_update", "en_US", "UTILITY",
                     "Hi {{1}}, there is news about your ticket {{2}}: {{3}}. Reply to this "
                     "message to continue.", ("Marta", "#12", "a technician is on the way")),
    WhatsAppTemplate("ticket_update", "pt_PT", "UTILITY",
                     "Olá {{1}}, há novidades sobre o seu pedido {{2}}: {{3}}. Responda a esta "
                     "mensagem para continuar.", ("Marta", "#12", "o técnico está a caminho")),
]  # fmt: skip


def _takes_whatsapp(policy: Policy, org: OrganizationView) -> bool:
    plan = policy.plans.get(org.plan) if org.plan else None
    if plan is None:
        return True
    return plan.support and (not plan.channels or "whatsapp" in plan.channels)


def whatsapp_conversation(
    uow: UnitOfWork, clock: FixedClock, policy: Policy, organizations: list[OrganizationView],
    agent: AgentView, now: datetime,
) -> int | None:  # fmt: skip
    """The ticket of the conversation; None when the policy offers no WhatsApp."""
    if "whatsapp" not in policy.channels:
        return None
    org = next((o for o in organizations if _takes_whatsapp(policy, o)), None)
    if org is None:
        return None
    start = now - timedelta(hours=2)
    clock.set(start)
    first = receive_whatsapp(uow, clock, InboundWhatsApp(
        message_id="wamid.DEMO1", sender=NUMBER, sender_name="Marta Sousa", at=start,
        kind="text", text="Olá! The door sensor on floor 2 reports offline since this morning.",
    ), organization=org.slug)  # fmt: skip
    if first.ticket_id is None:
        return None
    clock.set(start + timedelta(minutes=4))
    receive_whatsapp(uow, clock, InboundWhatsApp(
        message_id="wamid.DEMO2", sender=NUMBER, sender_name="Marta Sousa", at=clock.now(),
        kind="location", text="[location: Building B — 38.7369, -9.1427]",
    ), organization=org.slug)  # fmt: skip
    clock.set(start + timedelta(minutes=20))
    who = Actor.agent(agent.id, agent.role, name=agent.name)
    text = "Thanks Marta, we see it too: a technician will check the gateway today."
    reply_publicly(uow, clock, who, first.ticket_id, text)
    clock.set(now - timedelta(hours=30))
    receive_whatsapp(uow, clock, InboundWhatsApp(
        message_id="wamid.DEMO3", sender=LATE_NUMBER, sender_name="Rui Matos", at=clock.now(),
        kind="text", text="Boa tarde, the badge reader at the main entrance beeps red for all.",
    ), organization=org.slug)  # fmt: skip
    clock.set(now)
    store_whatsapp_templates(uow, clock, TEMPLATES)
    return first.ticket_id
