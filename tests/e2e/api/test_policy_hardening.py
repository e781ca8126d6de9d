"""Policies over the API, as a hostile or careless caller sends them (issue 11): a YAML bomb
is refused at once while the server keeps answering, and the same text published twice
changes nothing."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import sqlalchemy as sa
from api_world import POLICY_FILE, World

from sladesk.bootstrap import Container


def billion_laughs(levels: int = 9) -> str:
    """~430 bytes that expand to 9**9 (387,420,489) strings when aliases are followed."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


@pytest.mark.parametrize("route", ["/api/v1/policies/validate", "/api/v1/policies"])
def test_a_yaml_bomb_is_a_located_422_at_once_and_the_server_keeps_answering(
    route: str, world: World, http: httpx.Client
) -> None:
    before = world.counts()
    answers: list[tuple[int, float]] = []

    def health_while_the_bomb_is_read() -> None:
        for _ in range(5):
            t = time.perf_counter()
            answers.append(
                (http.get("/api/v1/health", timeout=5).status_code, time.perf_counter() - t)
            )

    side = threading.Thread(target=health_while_the_bomb_is_read)
    started = time.perf_counter()
    side.start()
    r = http.post(
        route,
        json={"text": billion_laughs(), "source": "bomb.yaml"},
        headers=world.headers("admin"),
        timeout=5,
    )
    elapsed = time.perf_counter() - started
    side.join(timeout=10)
    assert r.status_code == 422, r.text
    # ~10 ms alone. Expanded, the bomb is 387M strings: minutes and gigabytes, far past the
    # client's 5 s timeout. The bound is loose because CI shares two cores with other suites;
    # the error below, at the first anchor, is what shows nothing was expanded.
    assert elapsed < 5.0, elapsed
    problem = r.json()
    assert problem["type"] == "urn:sladesk:problem:invalid-policy"
    assert problem["errors"] == [
        {
            "path": "",
            "message": "anchors are not allowed (&l0): write the value out",
            "line": 1,
            "column": 5,
        }
    ]
    assert [status for status, _ in answers] == [200] * 5
    assert max(seconds for _, seconds in answers) < 5.0
    assert world.counts() == before


def test_a_policy_over_the_size_limit_is_a_422_on_its_text(
    world: World, http: httpx.Client
) -> None:
    text = POLICY_FILE.read_text(encoding="utf-8")
    text += "#" * (256 * 1024 - len(text) + 1)
    r = http.post("/api/v1/policies/validate", json={"text": text}, headers=world.headers("agent"))
    assert r.status_code == 422, r.text[:500]
    assert [e["path"] for e in r.json()["errors"]] == ["body.text"]


def _versions(world: World) -> int:
    with world.container.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM policy_versions")).scalar_one())


def test_publishing_the_current_text_again_is_unchanged_and_does_nothing(
    world: World, http: httpx.Client
) -> None:
    current = http.get("/api/v1/policies/current", headers=world.headers("agent")).json()
    before, versions = world.counts(), _versions(world)
    r = http.post(
        "/api/v1/policies",
        json={"text": world.policy_text, "source": "again.yaml"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unchanged"] is True
    assert body["reevaluated_tickets"] == 0
    assert {k: body[k] for k in ("id", "effective_from", "text")} == {
        k: current[k] for k in ("id", "effective_from", "text")
    }
    assert r.headers["location"].endswith("/api/v1/policies/current")
    assert world.counts() == before  # no audit entry, no outbox row, no re-evaluation
    assert _versions(world) == versions

    # one character more is a new version, and the open tickets are re-evaluated
    r = http.post(
        "/api/v1/policies",
        json={"text": world.policy_text + "\n# reviewed\n"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["unchanged"] is False and r.json()["reevaluated_tickets"] > 0
    assert _versions(world) == versions + 1


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (
            {"plan": "gold"},
            "plan",
            "unknown plan 'gold' (one of essential, advanced, premium)",
        ),
        (
            {"plan": "premium", "addons": ["vip"]},
            "addons[0]",
            "unknown add-on 'vip' (the policy in force defines none)",
        ),
    ],
)
def test_an_organisation_with_a_plan_or_addon_the_policy_lacks_is_a_422(
    body: dict[str, object], path: str, message: str, world: World, http: httpx.Client
) -> None:
    before = world.counts()
    r = http.post(
        "/api/v1/organizations",
        json={"name": "Gold Inc", "slug": f"gold-{world.tag.lower()}", **body},
        headers=world.headers("admin"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"path": path, "message": message}]
    r = http.patch(
        f"/api/v1/organizations/{world.org_a}", json=body, headers=world.headers("admin")
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"path": path, "message": message}]
    org = http.get(f"/api/v1/organizations/{world.org_a}", headers=world.headers("admin")).json()
    assert (org["plan"], org["addons"]) == ("premium", [])
    assert world.counts() == before
