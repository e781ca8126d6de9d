"""One WhatsApp conversation in the demo, through the same use cases as the webhook: a
customer writes from their phone twice (the second message continues the ticket), an agent
answers (queued in the outbox as a ``whatsapp`` message: the demo configures no Cloud API,
so it stays queued)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sladesk.policy import Policy
from sladesk.services import (
    Actor,
    AgentView,
    FixedClock,
    InboundWhatsApp,
    OrganizationView,
    receive_whatsapp,
    reply_publicly,
)
from sladesk.store import UnitOfWork

__all__ = ["whatsapp_conversation"]

NUMBER = "351912000777"


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
    clock.set(now)
    return first.ticket_id
