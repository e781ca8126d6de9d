"""Attachments over real HTTP, on each database: multipart upload, listing and download of
the same bytes; the download's headers (never rendered in our origin); who sees which
attachment; and what is refused (too large, empty, a message of elsewhere) writes nothing."""

from __future__ import annotations

import hashlib
from http.client import HTTPConnection
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from api_world import POLICY_FILE, World
from live_server import LiveServer

from sladesk import services
from sladesk.api import create_app
from sladesk.api._uploads import MULTIPART_OVERHEAD
from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.services import FixedClock

EVERY_BYTE = bytes(range(256))


class Database(Protocol):
    """The module's database (the ``database`` fixture of conftest.py)."""

    url: str

    def engine(self) -> sa.Engine: ...


PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def _url(ticket: int, attachment: int | None = None) -> str:
    base = f"/api/v1/tickets/{ticket}/attachments"
    return base if attachment is None else f"{base}/{attachment}"


def _upload(
    http: httpx.Client,
    w: World,
    role: Any,
    ticket: int,
    name: str = "photo.bin",
    content: bytes = EVERY_BYTE,
    content_type: str = "application/x-thing",
    **data: Any,
) -> httpx.Response:
    return http.post(
        _url(ticket),
        files={"file": (name, content, content_type)},
        data=data,
        headers=w.headers(role),
    )


def _stored(w: World) -> tuple[int, int]:
    """(attachments, audit entries) in the database."""
    with w.container.engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM attachments")).scalar_one()
        audit = conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one()
    return int(n), int(audit)


def _problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text[:800]
    assert r.headers["content-type"] == PROBLEM
    doc: dict[str, Any] = r.json()
    assert doc["status"] == status
    return doc


def _messages(w: World, ticket: int) -> list[services.MessageView]:
    c = w.container
    return list(services.get_ticket(c.uow(), c.clock, w.actors["agent"], ticket).messages)


def test_every_byte_goes_up_and_comes_back_unchanged(world: World, http: httpx.Client) -> None:
    ticket = world.new_ticket_a("Attach the dump")
    r = _upload(http, world, "contact", ticket, name="dump.bin")
    assert r.status_code == 201, r.text
    meta = r.json()
    assert r.headers["location"] == str(http.base_url.join(_url(ticket, meta["id"])))
    assert meta["download"] == _url(ticket, meta["id"])
    assert meta["ticket_id"] == ticket and meta["message_id"] is None
    assert (meta["filename"], meta["content_type"]) == ("dump.bin", "application/x-thing")
    assert meta["size"] == 256
    assert meta["sha256"] == hashlib.sha256(EVERY_BYTE).hexdigest()

    for role in ("contact", "agent"):
        got = http.get(meta["download"], headers=world.headers(role))
        assert got.status_code == 200, got.text
        assert got.content == EVERY_BYTE
        assert got.headers["content-type"] == "application/x-thing"
        assert got.headers["content-length"] == "256"
        assert got.headers["content-disposition"] == 'attachment; filename="dump.bin"'
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-security-policy"].split(";")[0] == "sandbox"

    listed = http.get(_url(ticket), headers=world.headers("contact"))
    assert listed.status_code == 200
    assert listed.json() == [meta]


def test_a_non_ascii_name_survives_multipart_and_the_download_header(
    world: World, http: httpx.Client
) -> None:
    ticket = world.new_ticket_a()
    name = "Relatório de falhas №2 — 日本.pdf"
    r = _upload(http, world, "contact", ticket, name=name, content=b"%PDF-1.7")
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == name
    got = http.get(r.json()["download"], headers=world.headers("agent"))
    disposition = got.headers["content-disposition"]
    # an ASCII fallback for old clients, the exact name as RFC 5987 UTF-8 for the others
    assert disposition.startswith('attachment; filename="Relatorio de falhas No2 _ __.pdf"; ')
    assert disposition.endswith(
        "filename*=UTF-8''Relat%C3%B3rio%20de%20falhas%20%E2%84%962%20%E2%80%94%20"
        "%E6%97%A5%E6%9C%AC.pdf"
    )
    assert got.content == b"%PDF-1.7"


def test_a_quote_in_the_name_cannot_break_the_header(world: World, http: httpx.Client) -> None:
    # multipart clients send a quote as %22 (HTML's form encoding); other channels may not
    ticket, c = world.new_ticket_a(), world.container
    added = services.add_attachment(
        c.uow(), c.clock, world.actors["contact"], ticket, filename='say "hi"; x=1.txt',
        content_type="text/plain", content=b"hi",
    )  # fmt: skip
    got = http.get(_url(ticket, added.id), headers=world.headers("contact"))
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"say _hi_; x=1.txt\"; filename*=UTF-8''say%20%22hi%22%3B%20x%3D1.txt"
    )


def test_uploaded_html_is_sent_as_a_sandboxed_download_of_its_own_type(
    world: World, http: httpx.Client
) -> None:
    ticket = world.new_ticket_a()
    page = b"<html><script>alert(document.cookie)</script></html>"
    r = _upload(
        http, world, "contact", ticket, name="x.html", content=page, content_type="text/html"
    )
    got = http.get(r.json()["download"], headers=world.headers("agent"))
    assert got.headers["content-type"] == "text/html"  # as stored: no charset added
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]
    assert got.content == page


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("..", "attachment"),
    ],
)
def test_a_path_in_the_file_name_is_cut_to_its_base_name(
    world: World, http: httpx.Client, sent: str, stored: str
) -> None:
    ticket = world.new_ticket_a()
    r = _upload(http, world, "contact", ticket, name=sent)
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == stored
    got = http.get(r.json()["download"], headers=world.headers("contact"))
    assert got.headers["content-disposition"] == f'attachment; filename="{stored}"'


def test_another_organisations_contact_gets_404_everywhere_and_writes_nothing(
    world: World, http: httpx.Client
) -> None:
    ticket = world.new_ticket_a()
    meta = _upload(http, world, "contact", ticket, name=f"{world.org_a_marker}.txt").json()
    before = _stored(world)
    other = world.headers("other_contact")
    r = _upload(http, world, "other_contact", ticket)
    _problem(r, 404)
    for path in (_url(ticket), meta["download"]):
        r = http.get(path, headers=other)
        _problem(r, 404)
        assert world.org_a_marker not in r.text
    assert _stored(world) == before


def test_a_contact_never_sees_an_internal_notes_attachment(
    world: World, http: httpx.Client
) -> None:
    ticket = world.new_ticket_a()
    c = world.container
    note = services.add_internal_note(
        c.uow(), c.clock, world.actors["agent"], ticket, "firewall capture attached"
    ).messages[-1]
    secret_name = f"{world.internal_marker}.pcap"
    r = _upload(http, world, "agent", ticket, name=secret_name, message_id=str(note.id))
    assert r.status_code == 201, r.text
    hidden = r.json()
    assert hidden["message_id"] == note.id
    shown = _upload(http, world, "agent", ticket, name="for-you.txt").json()

    listed = http.get(_url(ticket), headers=world.headers("contact"))
    assert [a["id"] for a in listed.json()] == [shown["id"]]
    assert world.internal_marker not in listed.text
    _problem(http.get(hidden["download"], headers=world.headers("contact")), 404)
    # to a contact the note is no message of the ticket at all
    before = _stored(world)
    doc = _problem(_upload(http, world, "contact", ticket, message_id=str(note.id)), 422)
    assert [e["path"] for e in doc["errors"]] == ["message_id"]
    assert world.internal_marker not in str(doc)
    assert _stored(world) == before

    staff = http.get(_url(ticket), headers=world.headers("agent")).json()
    assert [a["id"] for a in staff] == [hidden["id"], shown["id"]]
    assert http.get(hidden["download"], headers=world.headers("agent")).content == EVERY_BYTE


def test_a_contact_attaches_to_a_public_message_of_their_ticket(
    world: World, http: httpx.Client
) -> None:
    ticket = world.new_ticket_a()
    first = _messages(world, ticket)[0]  # the contact's own, public
    r = _upload(http, world, "contact", ticket, message_id=str(first.id))
    assert r.status_code == 201, r.text
    assert r.json()["message_id"] == first.id


def test_a_message_of_another_ticket_or_none_at_all_is_a_422_on_message_id(
    world: World, http: httpx.Client
) -> None:
    ticket = world.new_ticket_a()
    elsewhere = _messages(world, world.ticket_a)[0].id
    before = _stored(world)
    for role in ("contact", "agent"):
        for message_id in (elsewhere, 987_654_321):
            doc = _problem(_upload(http, world, role, ticket, message_id=str(message_id)), 422)
            assert [e["path"] for e in doc["errors"]] == ["message_id"]
    doc = _problem(_upload(http, world, "agent", ticket, message_id="seven"), 422)
    assert [e["path"] for e in doc["errors"]] == ["body.message_id"]
    assert _stored(world) == before


def test_an_empty_file_is_a_422_on_file(world: World, http: httpx.Client) -> None:
    ticket = world.new_ticket_a()
    before = _stored(world)
    doc = _problem(_upload(http, world, "contact", ticket, content=b""), 422)
    assert [e["path"] for e in doc["errors"]] == ["file"]
    missing = _problem(
        http.post(_url(ticket), data={"x": "1"}, headers=world.headers("agent")), 422
    )
    assert [e["path"] for e in missing["errors"]] == ["body.file"]
    assert _stored(world) == before


def test_one_byte_over_the_limit_is_a_413_and_writes_nothing(
    world: World, http: httpx.Client, container: Container
) -> None:
    limit = container.settings.attachment_max_bytes
    ticket = world.new_ticket_a()
    before = _stored(world)
    doc = _problem(_upload(http, world, "contact", ticket, content=b"\0" * (limit + 1)), 413)
    assert doc["type"] == "urn:sladesk:problem:content-too-large"
    assert str(limit) in doc["detail"]
    assert _stored(world) == before
    r = _upload(http, world, "contact", ticket, content=b"\1" * limit)  # exactly the limit
    assert r.status_code == 201, r.text[:500]
    assert r.json()["size"] == limit


def test_a_body_declared_too_large_is_refused_before_it_is_sent(
    world: World, http: httpx.Client, container: Container
) -> None:
    ticket = world.new_ticket_a()
    before = _stored(world)
    url = urlsplit(str(http.base_url))
    conn = HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        conn.putrequest("POST", _url(ticket))
        conn.putheader("Authorization", world.headers("contact")["Authorization"])
        conn.putheader("Content-Type", "multipart/form-data; boundary=b0undary")
        conn.putheader("Content-Length", str(container.settings.attachment_max_bytes * 4))
        conn.endheaders()  # and not a byte of the body: the answer comes anyway
        answer = conn.getresponse()
        assert answer.status == 413
        assert answer.getheader("content-type") == PROBLEM
        assert b"content-too-large" in answer.read()
    finally:
        conn.close()
    assert _stored(world) == before


def test_anonymous_callers_get_401(world: World, http: httpx.Client) -> None:
    ticket = world.new_ticket_a()
    meta = _upload(http, world, "contact", ticket).json()
    _problem(http.post(_url(ticket), files={"file": ("a", b"a", "text/plain")}), 401)
    _problem(http.get(_url(ticket)), 401)
    _problem(http.get(meta["download"]), 401)


def _chunked_upload(base: str, w: World, ticket: int, size: int) -> tuple[int, bytes]:
    """A multipart upload sent chunked (no Content-Length) whose file has ``size`` bytes,
    left unfinished: the answer must come while the body is still arriving."""
    url = urlsplit(base)
    conn = HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        conn.putrequest("POST", _url(ticket))
        conn.putheader("Authorization", w.headers("contact")["Authorization"])
        conn.putheader("Content-Type", "multipart/form-data; boundary=b0undary")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        head = b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="b"\r\n\r\n'
        for piece in (head, b"z" * size):
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def test_the_limit_is_read_from_the_environment(
    world: World, database: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLADESK_ATTACHMENT_MAX_BYTES", "100")
    settings = Settings(database_url=database.url, jobs_in_process=False)
    assert settings.attachment_max_bytes == 100
    small = bootstrap(settings, clock=clock, engine=database.engine(), migrate=False)
    try:
        with LiveServer(create_app(small)) as live, httpx.Client(base_url=live.url) as h:
            ticket = world.new_ticket_a()
            fits = _upload(h, world, "contact", ticket, content=b"x" * 100)
            assert fits.status_code == 201, fits.text
            doc = _problem(_upload(h, world, "contact", ticket, content=b"x" * 101), 413)
            assert "100 bytes" in doc["detail"]
            before = _stored(world)
            status, body = _chunked_upload(live.url, world, ticket, 100 + MULTIPART_OVERHEAD + 1)
            assert status == 413
            assert b"content-too-large" in body
            assert _stored(world) == before
    finally:
        small.dispose()
