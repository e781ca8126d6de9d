"""`/api/v1/retention` over real HTTP on SQLite and PostgreSQL: an admin holds a ticket by
number, sees it listed and in the preview's terms, clears it; mistakes are problems."""

from __future__ import annotations

import httpx
import pytest
from api_world import POLICY_FILE, World

from sladesk import services
from sladesk.bootstrap import Container


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def test_an_admin_holds_and_releases_a_ticket(world: World, http: httpx.Client) -> None:
    c, admin = world.container, world.headers("admin")
    number = services.get_ticket(c.uow(), c.clock, world.actors["agent"], world.ticket_a).number
    made = http.post("/api/v1/retention/holds", headers=admin,
                     json={"ticket_number": number, "reason": "Case 7/26"})  # fmt: skip
    assert made.status_code == 201, made.text
    hold = made.json()
    assert (hold["ticket_id"], hold["ticket_number"], hold["reason"]) == (
        world.ticket_a,
        number,
        "Case 7/26",
    )
    assert hold["organization_id"] is None and hold["set_by"].startswith("agent:")
    listed = http.get("/api/v1/retention/holds", headers=admin).json()
    assert hold in listed
    preview = http.get("/api/v1/retention", headers=admin).json()
    # Infraspeak declares no retention: nothing ever expires
    assert (preview["declared"], preview["due"], preview["held"]) == (False, [], [])
    cleared = http.delete("/api/v1/retention/holds", headers=admin,
                          params={"ticket_number": number})  # fmt: skip
    assert cleared.status_code == 200 and cleared.json() == {"cleared": 1}
    again = http.delete("/api/v1/retention/holds", headers=admin,
                        params={"ticket_number": number})  # fmt: skip
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "neither"},
        {"ticket_number": 1, "organization": "x", "reason": "both"},
        {"organization": "x"},
        {"organization": "x", "reason": "r", "extra": 1},
    ],  # fmt: skip
)
def test_a_hold_names_exactly_one_subject_and_a_reason(
    world: World, http: httpx.Client, body: dict[str, object]
) -> None:
    r = http.post("/api/v1/retention/holds", headers=world.headers("admin"), json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
