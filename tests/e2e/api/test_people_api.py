"""Managing people over HTTP: a PATCH changes what it sends (``null`` clears, absent leaves),
and a deactivated contact's token is refused on the next request."""

from __future__ import annotations

import httpx
import pytest
from api_world import POLICY_FILE, World

from sladesk.bootstrap import Container


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def test_a_patch_changes_what_it_sends_and_null_clears(world: World, http: httpx.Client) -> None:
    admin = world.headers("admin")
    path = f"/api/v1/organizations/{world.org_b}"
    # (Infraspeak's policy defines no add-ons, so the change is to the locale)
    set_ = http.patch(
        path, json={"dedicated_agent_id": world.agent_id, "locale": "pt"}, headers=admin
    )
    assert set_.status_code == 200, set_.text
    body = set_.json()
    assert body["dedicated_agent_id"] == world.agent_id and body["locale"] == "pt"
    assert body["plan"] == "premium"  # not sent: unchanged
    cleared = http.patch(path, json={"dedicated_agent_id": None}, headers=admin).json()
    assert cleared["dedicated_agent_id"] is None and cleared["locale"] == "pt"
    assert http.get(path, headers=world.headers("other_contact")).json() == cleared


def test_a_deactivated_contact_is_refused_at_once(world: World, http: httpx.Client) -> None:
    me = http.get("/api/v1/tickets", headers=world.headers("other_contact"))
    assert me.status_code == 200
    off = http.patch(
        f"/api/v1/contacts/{world.contact_b}",
        json={"active": False},
        headers=world.headers("admin"),
    )
    assert off.status_code == 200 and off.json()["active"] is False
    refused = http.get("/api/v1/tickets", headers=world.headers("other_contact"))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    http.patch(
        f"/api/v1/contacts/{world.contact_b}", json={"active": True}, headers=world.headers("admin")
    ).raise_for_status()
    assert http.get("/api/v1/tickets", headers=world.headers("other_contact")).status_code == 200


def test_a_token_issued_over_http_works_until_revoked(world: World, http: httpx.Client) -> None:
    issued = http.post("/api/v1/tokens", json={"name": "ci"}, headers=world.headers("agent"))
    assert issued.status_code == 201, issued.text
    secret, token_id = issued.json()["secret"], issued.json()["token"]["id"]
    mine = {"Authorization": f"Bearer {secret}"}
    listed = http.get("/api/v1/tokens", headers=mine).json()
    assert token_id in [t["id"] for t in listed] and secret not in str(listed)
    assert http.delete(f"/api/v1/tokens/{token_id}", headers=mine).json()["revoked_at"]
    assert http.get("/api/v1/tickets", headers=mine).status_code == 401
