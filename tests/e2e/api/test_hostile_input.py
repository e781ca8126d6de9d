"""What a hostile caller sends, over real HTTP, on SQLite and on PostgreSQL (issue 11).

Every refused request is checked three ways: its status, the problem's ``errors[].path``
(where the input was wrong), and the row count of **every** table, the same after as
before. Accepted hostile-looking input (right-to-left text, emoji, ``%`` and ``_`` in a
search, a path in an attachment's name) must come back exactly as meant.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from api_world import POLICY_FILE, RoleName, World

from sladesk import services
from sladesk.bootstrap import Container

BIG = 2**63  # one past the largest 64-bit id
HUGE = 10**30


@dataclass(frozen=True)
class Hostile:
    role: RoleName
    method: str
    path: Callable[[World], str]
    status: int
    error_path: str | None  # the path `errors` must name (None: a problem without `errors`)
    json: Any = None
    content: bytes | None = None  # sent as application/json when given
    headers: dict[str, str] | None = None
    files: dict[str, Any] | None = None
    data: dict[str, str] | None = None


def _t(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/tickets{suffix}"


def _a(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/tickets/{w.ticket_a}{suffix}"


def _org_a(w: World) -> str:
    return f"/api/v1/organizations/{w.org_a}"


GOOD = {"subject": "Fine", "body": "Fine", "type": "incident"}
NUL = "bad\x00text"
FILE = {"file": ("notes.txt", b"hello", "text/plain")}

CASES: dict[str, Hostile] = {
    # ---- item 2: text neither engine can store, wherever text comes in
    "NUL in a subject": Hostile(
        "contact", "POST", _t(), 422, "body.subject", GOOD | {"subject": NUL}
    ),
    "NUL in a body": Hostile("contact", "POST", _t(), 422, "body.body", GOOD | {"body": NUL}),
    "NUL in a tag": Hostile(
        "contact", "POST", _t(), 422, "body.tags", GOOD | {"tags": ["ok", NUL]}
    ),
    "NUL in an attribute key": Hostile(
        "contact", "POST", _t(), 422, "body.attributes", GOOD | {"attributes": {NUL: "v"}}
    ),
    "NUL in an attribute value": Hostile(
        "contact", "POST", _t(), 422, "body.attributes", GOOD | {"attributes": {"k": NUL}}
    ),
    "NUL in a reply": Hostile("contact", "POST", _a("/replies"), 422, "body.body", {"body": NUL}),
    "NUL in a note": Hostile("agent", "POST", _a("/notes"), 422, "body.body", {"body": NUL}),
    "NUL in a call summary": Hostile(
        "agent", "POST", _a("/calls"), 422, "body.summary", {"summary": NUL}
    ),
    "NUL in a priority reason": Hostile(
        "agent", "POST", _a("/priority"), 422, "body.reason", {"priority": "high", "reason": NUL}
    ),
    "NUL in a team": Hostile(
        "agent", "POST", _a("/assignment"), 422, "body.team", {"assignee_id": None, "team": NUL}
    ),
    "NUL in a new organisation's name": Hostile(
        "admin", "POST", lambda w: "/api/v1/organizations", 422, "body.name",
        {"name": NUL, "slug": "nul-org"},
    ),
    "NUL in an organisation's new name": Hostile(
        "admin", "PATCH", _org_a, 422, "body.name", {"name": NUL}
    ),
    "NUL in a contact's name": Hostile(
        "admin", "POST", lambda w: "/api/v1/contacts", 422, "body.name",
        {"organization_id": 1, "email": "n@x.example", "name": NUL},
    ),
    "NUL in an agent's name": Hostile(
        "admin", "POST", lambda w: "/api/v1/agents", 422, "body.name",
        {"email": "n@desk.example", "name": NUL},
    ),
    "NUL in a token's name": Hostile(
        "contact", "POST", lambda w: "/api/v1/tokens", 422, "body.name", {"name": NUL}
    ),
    "NUL in q": Hostile("agent", "GET", _t("?q=a%00b"), 422, "query.q"),
    "NUL in team": Hostile("agent", "GET", _t("?team=%00"), 422, "query.team"),
    "NUL in channel": Hostile("agent", "GET", _t("?channel=x%00"), 422, "query.channel"),
    "NUL in a priority filter": Hostile(
        "agent", "GET", _t("?priority=%00"), 422, "query.priority[0]"
    ),
    "lone surrogate in a subject": Hostile(
        "contact", "POST", _t(), 422, "body.subject",
        content=b'{"subject": "caf\\ud800", "body": "x", "type": "incident"}',
    ),
    "lone surrogate in a reply": Hostile(
        "contact", "POST", _a("/replies"), 422, "body.body", content=b'{"body": "\\udfff"}'
    ),
    # ---- item 3: numbers out of range
    "ticket id above int64": Hostile("agent", "GET", lambda w: f"/api/v1/tickets/{BIG}", 422,
                                     "path.ticket_id"),
    "huge ticket id in a command": Hostile(
        "agent", "POST", lambda w: f"/api/v1/tickets/{HUGE}/replies", 422, "path.ticket_id",
        {"body": "hi"},
    ),
    "organisation id above int64": Hostile(
        "admin", "GET", lambda w: f"/api/v1/organizations/{BIG}", 422, "path.organization_id"
    ),
    "contact id above int64": Hostile(
        "admin", "GET", lambda w: f"/api/v1/contacts/{BIG}", 422, "path.contact_id"
    ),
    "agent id above int64": Hostile(
        "admin", "GET", lambda w: f"/api/v1/agents/{BIG}", 422, "path.agent_id"
    ),
    "token id above int64": Hostile(
        "admin", "DELETE", lambda w: f"/api/v1/tokens/{BIG}", 422, "path.token_id"
    ),
    "attachment id above int64": Hostile(
        "agent", "GET", lambda w: f"/api/v1/tickets/{w.ticket_a}/attachments/{BIG}", 422,
        "path.attachment_id",
    ),
    "negative ticket id": Hostile("agent", "GET", lambda w: "/api/v1/tickets/-5", 422,
                                  "path.ticket_id"),
    "organisation filter above int64": Hostile(
        "agent", "GET", _t(f"?organization={BIG}"), 422, "query.organization"
    ),
    "requester filter above int64": Hostile(
        "agent", "GET", _t(f"?requester={HUGE}"), 422, "query.requester"
    ),
    "contacts' organisation filter above int64": Hostile(
        "admin", "GET", lambda w: f"/api/v1/contacts?organization={BIG}", 422,
        "query.organization",
    ),
    "requester_id above int64": Hostile(
        "agent", "POST", _t(), 422, "body.requester_id", GOOD | {"requester_id": BIG}
    ),
    "organization_id above int64": Hostile(
        "agent", "POST", _t(), 422, "body.organization_id", GOOD | {"organization_id": HUGE}
    ),
    "assignee_id above int64": Hostile(
        "agent", "POST", _a("/assignment"), 422, "body.assignee_id", {"assignee_id": BIG}
    ),
    "dedicated agent above int64": Hostile(
        "admin", "PATCH", _org_a, 422, "body.dedicated_agent_id", {"dedicated_agent_id": BIG}
    ),
    "token for a contact above int64": Hostile(
        "admin", "POST", lambda w: "/api/v1/tokens", 422, "body.contact_id", {"contact_id": BIG}
    ),
    "attachment message_id above int64": Hostile(
        "agent", "POST", _a("/attachments"), 422, "body.message_id", files=FILE,
        data={"message_id": str(BIG)},
    ),
    "compliance start before year 1 in UTC": Hostile(
        "admin", "GET",
        lambda w: "/api/v1/compliance?start=0001-01-01T00:00:00%2B05:00&end=2026-01-01T00:00:00Z",
        422, "query.start",
    ),
    "compliance end after year 9999 in UTC": Hostile(
        "admin", "GET",
        lambda w: "/api/v1/compliance?start=2026-01-01T00:00:00Z&end=9999-12-31T23:00:00-05:00",
        422, "query.end",
    ),
    # ---- item 11: filters that cannot match are refused, listing the allowed values
    "unknown status filter": Hostile("agent", "GET", _t("?status=bogus"), 422, "query.status[0]"),
    "unknown priority filter": Hostile("agent", "GET", _t("?priority=bogus"), 422, "priority"),
    "unknown type filter": Hostile("agent", "GET", _t("?type=incident&type=bogus"), 422, "type"),
    "unknown SLA state filter": Hostile(
        "agent", "GET", _t("?sla_state=late"), 422, "query.sla_state[0]"
    ),
    # ---- oversized and deep input
    "a body over 50,000 characters": Hostile(
        "contact", "POST", _t(), 422, "body.body", GOOD | {"body": "x" * 50_001}
    ),
    "a 5 MB body": Hostile(
        "contact", "POST", _t(), 422, "body.body", GOOD | {"body": "y" * 5_000_000}
    ),
    "too many tags": Hostile(
        "contact", "POST", _t(), 422, "body.tags", GOOD | {"tags": [f"t{i}" for i in range(21)]}
    ),
    "a q over 200 characters": Hostile("agent", "GET", _t("?q=" + "z" * 201), 422, "query.q"),
    "deep JSON": Hostile(
        "contact", "POST", _t(), 422, "body",
        content=b'{"subject": ' + b"[" * 100_000 + b"]" * 100_000 + b', "body": "x"}',
    ),
    "deep JSON within the parser's depth": Hostile(
        "contact", "POST", _t(), 422, "body.subject",
        json=GOOD | {"subject": json.loads("[" * 500 + "]" * 500)},
    ),
    # ---- every token failure
    "no token": Hostile("anonymous", "GET", _t(), 401, None),
    "an empty bearer": Hostile("anonymous", "GET", _t(), 401, None,
                               headers={"Authorization": "Bearer"}),
    "another scheme": Hostile("anonymous", "GET", _t(), 401, None,
                              headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"}),
    "a malformed token": Hostile("anonymous", "GET", _t(), 401, None,
                                 headers={"Authorization": "Bearer not a token"}),
    "an unknown token": Hostile("anonymous", "GET", _t(), 401, None,
                                headers={"Authorization": "Bearer sld_" + "0" * 40}),
    "an oversized token": Hostile("anonymous", "GET", _t(), 401, None,
                                  headers={"Authorization": "Bearer " + "x" * 8000}),
    "no token on a write with a bad body": Hostile(
        "anonymous", "POST", _t(), 401, None, GOOD | {"subject": NUL}
    ),
    "a contact on an admin route": Hostile(
        "contact", "POST", lambda w: "/api/v1/organizations", 403, None,
        {"name": "Mine", "slug": "mine"},
    ),
    "an agent publishing a policy": Hostile(
        "agent", "POST", lambda w: "/api/v1/policies", 403, None, {"text": "x", "source": "x"}
    ),
    # ---- other organisations' ids
    "reading another organisation's ticket": Hostile(
        "other_contact", "GET", _a(), 404, None
    ),
    "replying on another organisation's ticket": Hostile(
        "other_contact", "POST", _a("/replies"), 404, None, {"body": "hello"}
    ),
    "attaching to another organisation's ticket": Hostile(
        "other_contact", "POST", _a("/attachments"), 404, None, files=FILE
    ),
    "listing another organisation's attachments": Hostile(
        "other_contact", "GET", _a("/attachments"), 404, None
    ),
    "filing for another organisation's contact": Hostile(
        "other_contact", "POST", _t(), 403, None, GOOD | {"requester_id": 1}
    ),
    "reading another organisation's contact": Hostile(
        "other_contact", "GET", lambda w: f"/api/v1/contacts/{w.contact_a}", 404, None
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def every_table_count(container: Container) -> dict[str, int]:
    """The row count of every table the database holds (in the test's schema)."""
    with container.engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        assert "tickets" in names and "idempotency_keys" in names
        return {
            n: int(conn.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar_one())
            for n in sorted(names)
        }


def _send(http: httpx.Client, world: World, case: Hostile) -> httpx.Response:
    headers = world.headers(case.role) | (case.headers or {})
    path = case.path(world)
    if case.content is not None:
        headers["Content-Type"] = "application/json"
        return http.request(case.method, path, content=case.content, headers=headers)
    if case.files is not None:
        return http.request(case.method, path, files=case.files, data=case.data, headers=headers)
    if case.json is not None:
        return http.request(case.method, path, json=case.json, headers=headers)
    return http.request(case.method, path, headers=headers)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_input_is_refused_located_and_writes_nothing(
    case: Hostile, world: World, container: Container, http: httpx.Client
) -> None:
    before = every_table_count(container)
    r = _send(http, world, case)
    assert r.status_code == case.status, r.text[:600]
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == case.status
    assert problem["instance"] == case.path(world).split("?")[0]
    if case.error_path is not None:
        paths = [e["path"] for e in problem.get("errors", [])]
        assert case.error_path in paths, problem
    assert every_table_count(container) == before


def test_an_unstorable_text_names_what_and_where(world: World, http: httpx.Client) -> None:
    r = http.post("/api/v1/tickets", json=GOOD | {"tags": ["ok", NUL]},
                  headers=world.headers("contact"))  # fmt: skip
    (error,) = r.json()["errors"]
    assert error == {
        "path": "body.tags",
        "message": "[1] contains a NUL character (U+0000) at position 3, which cannot be stored",
    }


def test_unknown_filter_values_list_the_allowed_ones(world: World, http: httpx.Client) -> None:
    agent = world.headers("agent")
    status = http.get("/api/v1/tickets?status=bogus", headers=agent).json()
    assert "'new', 'open', 'pending_customer', 'on_hold', 'solved' or 'closed'" in str(status)
    priority = http.get("/api/v1/tickets?priority=p0", headers=agent).json()
    assert priority["detail"] == "unknown priority 'p0' (one of urgent, high, medium, low)"
    kind = http.get("/api/v1/tickets?type=complaint", headers=agent).json()
    assert kind["detail"].startswith("unknown type 'complaint' (one of incident, question")


def test_a_revoked_token_is_refused_at_once(
    world: World, container: Container, http: httpx.Client
) -> None:
    issued = services.create_api_token(
        container.uow(), container.clock, services.Actor.system("tests"),
        contact_id=world.contact_a, name="short-lived",
    )  # fmt: skip
    bearer = {"Authorization": f"Bearer {issued.secret}"}
    assert http.get("/api/v1/tickets", headers=bearer).status_code == 200
    revoked = http.delete(f"/api/v1/tokens/{issued.token.id}", headers=bearer)
    assert revoked.status_code == 200, revoked.text
    before = every_table_count(container)
    r = http.post("/api/v1/tickets", json=GOOD, headers=bearer)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="sladesk"'
    assert r.json()["detail"] == "invalid or revoked token"
    assert every_table_count(container) == before


def test_an_idempotency_key_reused_with_another_body_is_a_422_on_the_header(
    world: World, container: Container, http: httpx.Client
) -> None:
    contact = world.headers("contact") | {"Idempotency-Key": f"reuse-{world.tag}"}
    first = http.post("/api/v1/tickets", json=GOOD | {"subject": "First"}, headers=contact)
    assert first.status_code == 201, first.text
    before = every_table_count(container)
    other = http.post("/api/v1/tickets", json=GOOD | {"subject": "Other"}, headers=contact)
    assert other.status_code == 422, other.text
    problem = other.json()
    assert problem["code"] == "idempotency.key_reused"
    assert [e["path"] for e in problem["errors"]] == ["header.Idempotency-Key"]
    assert "Idempotency-Key" in problem["detail"]
    assert every_table_count(container) == before
    # the same request still answers the first result, and writes nothing
    again = http.post("/api/v1/tickets", json=GOOD | {"subject": "First"}, headers=contact)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert every_table_count(container) == before


RTL = "הדפסת לא עובדת — الطابعة لا تعمل \u200f(RTL)"
EMOJI = "🔥🖨️ on fire 👩🏽‍💻 ZWJ family 👨‍👩‍👧 and a flag 🇵🇹"


def test_rtl_and_emoji_round_trip_exactly(world: World, http: httpx.Client) -> None:
    contact, agent = world.headers("contact"), world.headers("agent")
    body = {"subject": RTL, "body": EMOJI, "type": "incident", "tags": ["🔥", "עברית"],
            "attributes": {"מחשב": "💻"}}  # fmt: skip
    created = http.post("/api/v1/tickets", json=body, headers=contact)
    assert created.status_code == 201, created.text
    ticket_id = created.json()["id"]
    reply = http.post(f"/api/v1/tickets/{ticket_id}/replies", json={"body": RTL + EMOJI},
                      headers=agent)  # fmt: skip
    assert reply.status_code == 200, reply.text
    got = http.get(f"/api/v1/tickets/{ticket_id}", headers=agent).json()
    assert got["subject"] == RTL
    assert [m["body"] for m in got["messages"]] == [EMOJI, RTL + EMOJI]
    assert sorted(got["tags"]) == sorted(["🔥", "עברית"])
    assert got["attributes"] == {"מחשב": "💻"}
    found = http.get("/api/v1/tickets", params={"q": "לא עובדת"}, headers=agent).json()
    assert [t["id"] for t in found["items"]] == [ticket_id]


def test_q_matches_percent_and_underscore_literally(world: World, http: httpx.Client) -> None:
    contact, agent = world.headers("contact"), world.headers("agent")
    literal = f"100% down_now {world.tag}"
    made = http.post("/api/v1/tickets", json=GOOD | {"subject": literal}, headers=contact)
    assert made.status_code == 201
    decoy = http.post("/api/v1/tickets", json=GOOD | {"subject": f"1000 downXnow {world.tag}"},
                      headers=contact)  # fmt: skip
    assert decoy.status_code == 201

    def found(q: str) -> list[int]:
        r = http.get("/api/v1/tickets", params={"q": q, "limit": 200}, headers=agent)
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["items"]]

    assert found("%") == [made.json()["id"]]
    assert found("down_now") == [made.json()["id"]]
    assert found("0% d") == [made.json()["id"]]
    assert found("_") == [made.json()["id"]]
    assert found("\\") == []
    assert found("/") == []


def test_a_path_in_an_attachments_name_is_dropped(world: World, http: httpx.Client) -> None:
    agent = world.headers("agent")
    names = [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/", "attachment"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
    ]
    for sent, stored in names:
        r = http.post(
            f"/api/v1/tickets/{world.ticket_a}/attachments",
            files={"file": (sent, b"data", "text/plain")},
            headers=agent,
        )
        assert r.status_code == 201, r.text
        assert r.json()["filename"] == stored
        download = http.get(r.headers["Location"], headers=agent)
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert "/" not in disposition and "\\" not in disposition and ".." not in disposition


def test_a_contact_cannot_list_another_organisations_tickets(
    world: World, http: httpx.Client
) -> None:
    r = http.get(f"/api/v1/tickets?organization={world.org_a}",
                 headers=world.headers("other_contact"))  # fmt: skip
    assert r.status_code == 200
    assert r.json()["items"] == []
    assert world.org_a_marker not in r.text
