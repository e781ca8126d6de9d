"""`/api/v1/reports/compliance` over real HTTP on SQLite and PostgreSQL: an agent's report
covers every organisation and each figure's link lists exactly the tickets it counts; a
contact gets only their own organisation's, whatever they ask for; CSV; mistakes are
problems that name the parameter."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_world import POLICY_FILE, RoleName, World

from sladesk.bootstrap import Container

WINDOW = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def _report(http: httpx.Client, w: World, role: RoleName, **params: str) -> Any:
    r = http.get("/api/v1/reports/compliance", headers=w.headers(role),
                 params={**WINDOW, **params})  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()


def test_an_agent_sees_every_organisation_and_each_figure_links_its_tickets(
    world: World, http: httpx.Client
) -> None:
    report = _report(http, world, "agent", by="organisation")
    orgs = {g["key"][0]["value"] for g in report["groups"]}
    assert {str(world.org_a), str(world.org_b)} <= orgs
    assert report["zone"] == "Europe/Lisbon"  # Infraspeak's support calendar
    assert report["goals"] is True  # Infraspeak: binding: false
    for group in report["groups"]:
        for figure in group["figures"]:
            assert figure["goal"] is True
            link = figure["tickets"]["with_target"]
            listed = http.get(link, headers=world.headers("agent"))
            assert listed.status_code == 200, listed.text
            assert listed.json()["total"] == figure["with_target"]
            breached = http.get(figure["tickets"]["breached"], headers=world.headers("agent"))
            body = breached.json()
            assert body["total"] == figure["breached"]
            assert all(t["explain"] for t in body["tickets"])


@pytest.mark.parametrize("role", ["contact", "other_contact"])
def test_a_contact_gets_only_their_organisation(
    world: World, http: httpx.Client, role: RoleName
) -> None:
    own = world.org_a if role == "contact" else world.org_b
    other = world.org_b if role == "contact" else world.org_a
    report = _report(http, world, role, by="organisation,priority")
    assert {g["key"][0]["value"] for g in report["groups"]} == {str(own)}
    params = {**WINDOW, "organisation": str(other), "outcome": "with_target"}
    drill = http.get(
        "/api/v1/reports/compliance/tickets", headers=world.headers(role), params=params
    )
    assert drill.status_code == 200 and drill.json()["total"] == 0


def test_csv(world: World, http: httpx.Client) -> None:
    r = http.get("/api/v1/reports/compliance", headers=world.headers("agent"),
                 params={**WINDOW, "by": "week,priority", "format": "csv"})  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0].startswith("week,priority,metric,goal,with_target,met,breached")
    assert len(lines) > 1 and lines[1].startswith("2026-03-09,")  # the Monday of the tickets


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"by": "colour"}, "by"),
        ({"by": "day,month"}, "by"),
        ({"from": "March"}, "from"),
        ({"zone": "Mars/Base"}, "zone"),
        ({"zone": "Europe"}, "zone"),
        ({"from": "0001-01-01T00:00:00+05:00"}, "from"),
        ({"to": "9999-12-31"}, "to"),
    ],
)
def test_mistakes_are_problems_naming_the_parameter(
    world: World, http: httpx.Client, params: dict[str, str], field: str
) -> None:
    r = http.get("/api/v1/reports/compliance", headers=world.headers("agent"),
                 params={**WINDOW, **params})  # fmt: skip
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in r.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"organisation": "99999999999999999999999"}, "organisation"),
        ({"agent": "x"}, "agent"),
        ({"week": "2026-13-01"}, "week"),
        ({"month": "9999-12-01"}, "month"),
        ({"outcome": "won"}, "outcome"),
    ],
)
def test_drill_down_mistakes_are_problems(
    world: World, http: httpx.Client, params: dict[str, str], field: str
) -> None:
    query = {**WINDOW, "outcome": "with_target", **params}
    r = http.get("/api/v1/reports/compliance/tickets", headers=world.headers("agent"),
                 params=query)  # fmt: skip
    assert r.status_code == 422, r.text
    assert field in r.text
