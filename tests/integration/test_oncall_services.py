"""Aivo's 24x7 on-call on SQLite and PostgreSQL: the roster (members, overrides, who is on
call), tags and attributes changed after filing (the 24x7 clock follows), paging on a call,
acknowledgement, re-paging at the exact minute across a DST change, and closing with
evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from sladesk import services as s
from sladesk.services import (
    Actor,
    FixedClock,
    Forbidden,
    InvalidRequest,
    NewAgent,
    NewContact,
    NewOrganization,
    NewTicket,
    TicketRuleError,
)
from sladesk.store import OutboxMessage, UnitOfWork

AIVO = (Path(__file__).resolve().parents[2] / "examples/policies/aivo.yaml").read_text()
#: Aivo's policy with its on-call handing over in Madrid (a zone with DST), at 02:30 on
#: Sundays: on 2026-03-29 that local time does not exist (02:00 CET -> 03:00 CEST)
MADRID = AIVO.replace(
    '  timezone: America/Argentina/Buenos_Aires\n  handoff: "mon 09:00"',
    '  timezone: Europe/Madrid\n  handoff: "sun 02:30"',
)
assert MADRID != AIVO
#: Saturday 2026-03-28 12:00 UTC, the day before Madrid springs forward
T0 = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)


@dataclass
class Guard:
    uow: UnitOfWork
    clock: FixedClock
    admin: Actor
    agents: list[Actor]  # the rotation's three members, in order
    customer: Actor  # a contact of an organisation with the 24x7 add-on
    other: Actor  # a contact of an organisation without it


@pytest.fixture
def guard(uow: UnitOfWork) -> Guard:
    clock = FixedClock(T0)
    root = Actor.system("test")
    a = s.create_agent(uow, clock, root, NewAgent("admin@aivo.test", "Ada Admin", role="admin"))
    admin = Actor.agent(a.id, "admin", name=a.name)
    s.publish_policy(uow, clock, admin, MADRID, source="aivo-madrid.yaml")
    agents = []
    for name in ("Uno", "Dos", "Tres"):
        ag = s.create_agent(uow, clock, admin, NewAgent(f"{name.lower()}@aivo.test", name))
        agents.append(Actor.agent(ag.id, "agent", name=ag.name))
    s.set_on_call_members(uow, clock, admin, "primary", [x.id for x in agents])  # type: ignore[misc]
    org = s.create_organization(uow, clock, admin, NewOrganization(
        "Banco", "banco", plan="standard", addons=("integrations_24x7",), locale="es"))  # fmt: skip
    plain = s.create_organization(uow, clock, admin,
                                  NewOrganization("Tienda", "tienda", plan="standard"))  # fmt: skip
    c = s.create_contact(uow, clock, admin, NewContact(org.id, "cto@banco.test", "Carla"))
    d = s.create_contact(uow, clock, admin, NewContact(plain.id, "it@tienda.test", "Dario"))
    return Guard(uow, clock, admin, agents, Actor.contact(c.id, org.id, name=c.name),
                 Actor.contact(d.id, plain.id, name=d.name))  # fmt: skip


def _incident(g: Guard, who: Actor | None = None, **attrs: str) -> int:
    new = NewTicket(subject="Bot integration down", body="The WhatsApp bridge is down",
                    type="incident", priority="blocker", attributes=attrs)  # fmt: skip
    return s.create_ticket(g.uow, g.clock, who or g.customer, new).id


def _pages_out(g: Guard) -> list[dict[str, object]]:
    with g.uow.read_only():
        rows = g.uow.db.execute(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "page")
            .order_by(OutboxMessage.id)
        ).scalars()  # fmt: skip
        return [dict(r) for r in rows]


def test_the_roster_says_who_is_on_call_and_overrides_win(guard: Guard) -> None:
    g = guard
    uno, dos, tres = g.agents
    first = s.who_is_on_call(g.uow, g.clock, uno)
    assert first.source == "rotation" and first.agent_id in {a.id for a in g.agents}
    # the handoff on Sunday 02:30 local (which does not exist that day): 01:30 UTC
    before = s.who_is_on_call(g.uow, g.clock, uno, at=datetime(2026, 3, 29, 1, 29, 59, tzinfo=UTC))
    after = s.who_is_on_call(g.uow, g.clock, uno, at=datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert before.agent_id == first.agent_id and after.agent_id != before.agent_id
    o = s.add_on_call_override(
        g.uow,
        g.clock,
        g.admin,
        agent_id=tres.id or 0,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=2),
        reason="swap",
    )
    now = s.who_is_on_call(g.uow, g.clock, uno)
    assert (now.agent_id, now.source, now.name) == (tres.id, "override", "Tres")
    roster = s.get_on_call_roster(g.uow, g.clock, uno, days=7)
    assert roster.rotation == "weekly" and roster.handoff == "sun 02:30"
    assert roster.repage_after_minutes == 15
    assert [m.name for m in roster.members] == ["Uno", "Dos", "Tres"]
    assert roster.entries[0].source == "override" and roster.entries[0].end == o.ends_at
    assert any(e.start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC) for e in roster.entries)
    s.remove_on_call_override(g.uow, g.clock, g.admin, o.id)
    assert s.who_is_on_call(g.uow, g.clock, uno).source == "rotation"


def test_only_admins_change_the_roster_and_bad_input_says_where(guard: Guard) -> None:
    g = guard
    with pytest.raises(Forbidden):
        s.set_on_call_members(g.uow, g.clock, g.agents[0], "primary", [])
    with pytest.raises(Forbidden):
        s.who_is_on_call(g.uow, g.clock, g.customer)
    with pytest.raises(InvalidRequest) as e:
        s.set_on_call_members(g.uow, g.clock, g.admin, "night", [])
    assert e.value.field == "shift" and "primary" in str(e.value)
    with pytest.raises(InvalidRequest) as e:
        s.set_on_call_members(g.uow, g.clock, g.admin, "primary", [9999])
    assert e.value.field == "agent_ids[0]"
    with pytest.raises(InvalidRequest) as e:
        s.add_on_call_override(g.uow, g.clock, g.admin, agent_id=g.agents[0].id or 0,
                               starts_at=T0, ends_at=T0)  # fmt: skip
    assert e.value.field == "ends_at"


def test_setting_the_integration_after_filing_brings_in_the_24x7_clock(guard: Guard) -> None:
    g = guard
    t = _incident(g)  # filed without the integration attribute: business hours (Saturday)
    view = s.get_ticket(g.uow, g.clock, g.agents[0], t)
    assert view.sla is not None and view.sla.rule == "business_hours"
    after = s.change_attributes(g.uow, g.clock, g.agents[0], t,
                                attributes={"integration": "vendor_built"}, tags=["whatsapp"],
                                reason="bridge built by Aivo")  # fmt: skip
    assert after.sla is not None and after.sla.rule == "integrations_24x7"
    assert after.attributes["integration"] == "vendor_built" and after.tags == ("whatsapp",)
    fr = next(x for x in after.sla.targets if x.metric == "first_response")
    assert fr.due_at == T0 + timedelta(minutes=30)  # 24x7 from the original start
    assert after.history[-1].kind == "attributes"
    with pytest.raises(TicketRuleError) as e:
        s.change_attributes(g.uow, g.clock, g.agents[0], t,
                            attributes={"integration": "vendor_built"})  # fmt: skip
    assert e.value.code == "ticket.attributes.same"
    with pytest.raises(InvalidRequest) as e2:
        s.change_attributes(g.uow, g.clock, g.agents[0], t, attributes={"Bad Key": "x"})
    assert e2.value.field == "attributes.Bad Key"
    with pytest.raises(TicketRuleError):
        s.change_attributes(g.uow, g.clock, g.customer, t, tags=["x"])
    back = s.change_attributes(g.uow, g.clock, g.agents[0], t,
                               attributes={"integration": "self_service"})  # fmt: skip
    assert back.sla is not None and back.sla.rule == "business_hours"


def test_an_unacknowledged_page_is_repaged_at_the_exact_minute_across_dst(guard: Guard) -> None:
    g = guard
    uno, dos, tres = g.agents
    t = _incident(g, integration="vendor_built")
    # paged at 01:50 CET on Sunday 2026-03-29 (00:50 UTC); Madrid springs forward at 02:00
    # CET, so 15 real minutes later is 03:05 CEST (01:05 UTC), not 02:05: the re-page is due
    # then, to the next person of the rotation
    g.clock.set(datetime(2026, 3, 29, 0, 50, tzinfo=UTC))  # 01:50 CET
    on_call = s.who_is_on_call(g.uow, g.clock, uno)
    view = s.log_call(g.uow, g.clock, uno, t, "Customer called the on-call line",
                      page_on_call=True, caller="+54 351 555 0100")  # fmt: skip
    assert view.history[-1].kind == "oncall.paged"
    (page,) = s.list_pages(g.uow, g.clock, uno, ticket_id=t)
    assert page.agent_id == on_call.agent_id and page.status == "waiting"
    assert page.repage_at == datetime(2026, 3, 29, 1, 5, tzinfo=UTC)  # 03:05 CEST
    assert page.caller == "+54 351 555 0100"
    out = _pages_out(g)
    assert out[-1]["recipient"] == {"kind": "agent", "id": str(on_call.agent_id)}
    ack_path = out[-1]["data"]["ack_path"]  # type: ignore[index]
    assert isinstance(ack_path, str) and ack_path.startswith(f"/oncall/pages/{page.id}/ack?token=")
    # a second call while the page waits does not page again
    again = s.page_on_call(g.uow, g.clock, Actor.system("phone"), t, source="phone")
    assert again.id == page.id and len(_pages_out(g)) == 1

    g.clock.set(datetime(2026, 3, 29, 1, 4, 59, 999999, tzinfo=UTC))
    assert s.repage_due(g.uow, g.clock) == 0
    g.clock.set(datetime(2026, 3, 29, 1, 5, tzinfo=UTC))
    assert s.repage_due(g.uow, g.clock) == 1
    first, second = s.list_pages(g.uow, g.clock, uno, ticket_id=t)
    assert first.status == "repaged" and first.superseded_at == g.clock.now()
    order = [a.id for a in g.agents]
    expected = order[(order.index(on_call.agent_id) + 1) % 3]  # type: ignore[arg-type]
    assert (second.attempt, second.agent_id, second.status) == (2, expected, "waiting")
    assert second.paged_at == datetime(2026, 3, 29, 1, 5, tzinfo=UTC)
    assert second.repage_at == datetime(2026, 3, 29, 1, 20, tzinfo=UTC)
    assert _pages_out(g)[-1]["recipient"] == {"kind": "agent", "id": str(expected)}
    assert s.repage_due(g.uow, g.clock) == 0  # nothing else due at that instant

    # acknowledged through the link: the re-paging stops
    token = str(_pages_out(g)[-1]["data"]["ack_path"]).split("token=")[1]  # type: ignore[index]
    with pytest.raises(s.NotFound):
        s.acknowledge_page_with_token(g.uow, g.clock, second.id, token + "x")
    g.clock.set(datetime(2026, 3, 29, 1, 7, tzinfo=UTC))
    acked = s.acknowledge_page_with_token(g.uow, g.clock, second.id, token)
    assert acked.status == "acknowledged" and acked.acknowledged_by == f"agent:{expected}"
    g.clock.set(datetime(2026, 3, 29, 3, 0, tzinfo=UTC))
    assert s.repage_due(g.uow, g.clock) == 0
    history = [e.kind for e in s.get_ticket(g.uow, g.clock, uno, t).history]
    assert history[-3:] == ["oncall.paged", "oncall.repaged", "oncall.acknowledged"]
    customer_view = [e.kind for e in s.get_ticket(g.uow, g.clock, g.customer, t).history]
    assert not any(k.startswith("oncall.") for k in customer_view)


def test_acknowledging_in_the_console_stops_the_chain(guard: Guard) -> None:
    g = guard
    t = _incident(g, integration="vendor_built")
    page = s.page_on_call(g.uow, g.clock, g.agents[1], t, caller="+54 11 4000 0000")
    acked = s.acknowledge_page(g.uow, g.clock, g.agents[2], page.id)
    assert acked.acknowledged_by == f"agent:{g.agents[2].id}"
    g.clock.set(T0 + timedelta(hours=1))
    assert s.repage_due(g.uow, g.clock) == 0
    assert s.acknowledge_page(g.uow, g.clock, g.agents[0], page.id).id == page.id  # idempotent


def test_only_covered_tickets_are_paged(guard: Guard) -> None:
    g = guard
    self_service = _incident(g, integration="self_service")
    with pytest.raises(TicketRuleError) as e:
        s.page_on_call(g.uow, g.clock, g.agents[0], self_service)
    assert e.value.code == "oncall.not_covered" and "business_hours" in str(e.value)
    no_addon = _incident(g, g.other, integration="vendor_built")
    with pytest.raises(TicketRuleError):
        s.page_on_call(g.uow, g.clock, g.agents[0], no_addon)
    with pytest.raises(Forbidden):
        s.page_on_call(g.uow, g.clock, g.customer, self_service)


def test_closing_with_a_customer_cause_needs_evidence_and_tells_the_customer(guard: Guard) -> None:
    g = guard
    t = _incident(g, integration="vendor_built")
    agent = g.agents[0]
    with pytest.raises(TicketRuleError) as e:
        s.close_ticket(g.uow, g.clock, agent, t, "Your firewall drops our webhook",
                       cause="customer_system")  # fmt: skip
    assert e.value.code == "ticket.close.evidence_required" and e.value.field == "evidence"
    assert "at least one piece of evidence" in str(e.value)
    with pytest.raises(TicketRuleError) as e:
        s.close_ticket(g.uow, g.clock, agent, t, cause="third_party_system",
                       evidence_message_ids=[1])  # fmt: skip
    assert e.value.code == "ticket.close.reason_required"
    with pytest.raises(InvalidRequest) as e2:
        s.close_ticket(g.uow, g.clock, agent, t, "x", cause="customer_system",
                       evidence_attachment_ids=[424242])  # fmt: skip
    assert e2.value.field == "evidence_attachment_ids[0]"
    file = s.add_attachment(
        g.uow,
        g.clock,
        agent,
        t,
        filename="firewall.log",
        content_type="text/plain",
        content=b"DROP 443 from 10.0.0.1",
    )
    closed = s.close_ticket(g.uow, g.clock, agent, t, "su firewall bloquea nuestro webhook",
                            cause="customer_system", evidence_attachment_ids=[file.id])  # fmt: skip
    assert closed.status == "closed"
    evidence = next(e for e in closed.history if e.kind == "closed.evidence")
    assert evidence.data["cause"] == "customer_system"
    assert evidence.data["attachments"][0]["filename"] == "firewall.log"
    with g.uow.read_only():
        (told,) = g.uow.db.execute(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "tell_customer")
        ).scalars()  # fmt: skip
    assert told["template"] == "evidence_and_close" and told["locale"] == "es"
    assert told["data"]["reason"] == "su firewall bloquea nuestro webhook"
    assert told["recipient"] == {"kind": "contact", "id": g.customer.id}


def test_a_cause_outside_the_policys_list_closes_as_before(guard: Guard) -> None:
    g = guard
    t = _incident(g)
    closed = s.close_ticket(g.uow, g.clock, g.agents[0], t, "fixed on our side", cause="our_bug")
    assert closed.status == "closed"


def test_the_runner_repages_and_the_pager_endpoint_gets_signed_pages(guard: Guard) -> None:
    import json

    from jobs_http import webhook_receiver

    from sladesk.jobs.delivery import DeliveryJob
    from sladesk.jobs.paging import PagerSender, RepageJob
    from sladesk.jobs.senders import WebhookSender

    g = guard
    t = _incident(g, integration="vendor_built")
    page = s.page_on_call(g.uow, g.clock, Actor.system("phone"), t, source="phone")
    secret = "a-pager-secret-of-32-characters!"
    with webhook_receiver(secret) as receiver:
        # signed at the real time: the receiver checks the signature's age
        webhooks = WebhookSender({"pager": receiver.url}, secret, clock=s.SystemClock().now)
        pager = PagerSender(webhooks, "pager", "https://desk.example.com/")
        repage = RepageJob(g.uow, g.clock)
        deliver = DeliveryJob(g.uow, g.clock, {"page": pager})
        assert repage.run_once() == 0
        deliver.run_once()
        g.clock.set(T0 + timedelta(minutes=15))
        assert repage.run_once() == 1
        deliver.run_once()
        webhooks.close()
    bodies = [json.loads(b) for b in receiver.accepted.values()]
    assert receiver.bad_signatures == 0 and len(bodies) == 2
    assert [b["event"] for b in bodies] == ["oncall.paged", "oncall.repaged"]
    assert bodies[0]["ack_url"].startswith(f"https://desk.example.com/oncall/pages/{page.id}/ack")
    assert bodies[1]["data"]["attempt"] == 2


def test_the_sweeps_page_escalations_reach_whoever_is_on_call(guard: Guard) -> None:
    g = guard
    t = _incident(g, integration="vendor_built")
    on_call = s.who_is_on_call(g.uow, g.clock, g.agents[0])
    context = s.mail_context(g.uow, g.clock, "on_call", t)
    assert context is not None
    assert [r.address for r in context.recipients] == [on_call.email]
