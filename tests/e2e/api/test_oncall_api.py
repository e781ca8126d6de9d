"""Aivo's 24x7 on-call over real HTTP, on SQLite and PostgreSQL, as its people meet it: the
admin sets the rotation, a customer files an incident, an agent marks it as an Aivo-built
integration (the 24x7 clock comes in), records the customer's call to the on-call number
(whoever is on call is paged), the page is re-paged when nobody acknowledges it, the next
person acknowledges, and the agent closes it with evidence: the customer is told."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sladesk import services
from sladesk.bootstrap import Container
from sladesk.services import Actor, NewAgent, NewContact, NewOrganization, Role

AIVO = Path(__file__).resolve().parents[3] / "examples" / "policies" / "aivo.yaml"


@pytest.fixture(scope="module")
def people(container: Container) -> dict[str, Any]:
    c, clock, system = container, container.clock, Actor.system("oncall-tests")
    admin = services.create_agent(c.uow(), clock, system,
                                  NewAgent("admin@aivo.example", "Ada", "admin"))  # fmt: skip
    admin_actor = Actor.agent(admin.id, Role.ADMIN)
    services.publish_policy(c.uow(), clock, admin_actor, AIVO.read_text(), source="aivo.yaml")
    agents = [services.create_agent(c.uow(), clock, system,
                                    NewAgent(f"{n}@aivo.example", n.title()))
              for n in ("uno", "dos")]  # fmt: skip
    org = services.create_organization(c.uow(), clock, admin_actor, NewOrganization(
        "Banco", "banco", plan="standard", addons=("integrations_24x7",), locale="es"))  # fmt: skip
    contact = services.create_contact(c.uow(), clock, admin_actor,
                                      NewContact(org.id, "cto@banco.example", "Carla"))  # fmt: skip
    tokens = {}
    for role, kw in (
        ("admin", {"agent_id": admin.id}),
        ("uno", {"agent_id": agents[0].id}),
        ("dos", {"agent_id": agents[1].id}),
        ("contact", {"contact_id": contact.id}),
    ):
        tokens[role] = services.create_api_token(c.uow(), clock, system, name=role, **kw).secret
    return {"agents": [a.id for a in agents], "tokens": tokens}


def _h(people: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {people['tokens'][role]}"}


def test_the_24x7_on_call_flow(
    container: Container, http: httpx.Client, people: dict[str, Any]
) -> None:
    uno, dos = people["agents"]
    r = http.put("/api/v1/oncall/shifts/primary/members", headers=_h(people, "admin"),
                 json={"agent_ids": [uno, dos]})  # fmt: skip
    assert r.status_code == 200, r.text
    assert [m["agent_id"] for m in r.json()] == [uno, dos]
    bad = http.put("/api/v1/oncall/shifts/night/members", headers=_h(people, "admin"),
                   json={"agent_ids": []})  # fmt: skip
    assert bad.status_code == 422, bad.text
    assert "unknown shift 'night'" in bad.json()["detail"]
    now = http.get("/api/v1/oncall/now", headers=_h(people, "uno")).json()
    assert now["source"] == "rotation" and now["agent_id"] in (uno, dos)
    first = now["agent_id"]
    roster = http.get("/api/v1/oncall/roster", headers=_h(people, "uno"),
                      params={"days": 21}).json()  # fmt: skip
    assert roster["rotation"] == "weekly" and roster["handoff"] == "mon 09:00"
    assert {e["agent_id"] for e in roster["entries"]} == {uno, dos}

    created = http.post("/api/v1/tickets", headers=_h(people, "contact"), json={
        "subject": "El bot de WhatsApp no responde", "body": "Caído desde las 10",
        "type": "incident", "priority": "blocker"})  # fmt: skip
    assert created.status_code == 201, created.text
    t = created.json()["id"]
    assert created.json()["sla"]["rule"] == "business_hours"
    changed = http.post(f"/api/v1/tickets/{t}/attributes", headers=_h(people, "uno"),
                        json={"attributes": {"integration": "vendor_built"},
                              "reason": "integración construida por Aivo"})  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["sla"]["rule"] == "integrations_24x7"
    assert changed.json()["attributes"] == {"integration": "vendor_built"}
    refused = http.post(f"/api/v1/tickets/{t}/attributes", headers=_h(people, "contact"),
                        json={"tags": ["x"]})  # fmt: skip
    assert refused.status_code == 403

    called = http.post(f"/api/v1/tickets/{t}/calls", headers=_h(people, "uno"), json={
        "summary": "La clienta llamó a la guardia", "page_on_call": True,
        "caller": "+54 351 555 0100"})  # fmt: skip
    assert called.status_code == 200, called.text
    assert "oncall.paged" in [e["kind"] for e in called.json()["history"]]
    pages = http.get("/api/v1/oncall/pages", headers=_h(people, "uno"),
                     params={"ticket_id": t}).json()  # fmt: skip
    assert [(p["agent_id"], p["status"]) for p in pages] == [(first, "waiting")]
    seen = http.get(f"/api/v1/tickets/{t}", headers=_h(people, "contact")).json()
    assert not any(e["kind"].startswith("oncall.") for e in seen["history"])

    container.clock.set(container.clock.now() + timedelta(minutes=15))  # type: ignore[attr-defined]
    assert services.repage_due(container.uow(), container.clock) == 1  # what the runner does
    pages = http.get("/api/v1/oncall/pages", headers=_h(people, "uno"),
                     params={"ticket_id": t}).json()  # fmt: skip
    second = {uno: dos, dos: uno}[first]
    assert [(p["agent_id"], p["status"]) for p in pages] == [(first, "repaged"),
                                                              (second, "waiting")]  # fmt: skip
    acked = http.post(f"/api/v1/oncall/pages/{pages[1]['id']}/ack",
                      headers=_h(people, "dos" if second == dos else "uno"))  # fmt: skip
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"

    no_evidence = http.post(f"/api/v1/tickets/{t}/close", headers=_h(people, "uno"),
                            json={"reason": "su firewall", "cause": "customer_system"})  # fmt: skip
    assert no_evidence.status_code == 422
    problem = no_evidence.json()
    assert problem["code"] == "ticket.close.evidence_required"
    assert "at least one piece of evidence" in problem["detail"]
    up = http.post(f"/api/v1/tickets/{t}/attachments", headers=_h(people, "uno"),
                   files={"file": ("firewall.log", b"DROP tcp/443")})  # fmt: skip
    assert up.status_code == 201, up.text
    closed = http.post(f"/api/v1/tickets/{t}/close", headers=_h(people, "uno"), json={
        "reason": "su firewall descarta nuestro webhook", "cause": "customer_system",
        "evidence_attachment_ids": [up.json()["id"]]})  # fmt: skip
    assert closed.status_code == 200, closed.text
    kinds = [e["kind"] for e in closed.json()["history"]]
    assert kinds[-2:] == ["status", "closed.evidence"] and closed.json()["status"] == "closed"
