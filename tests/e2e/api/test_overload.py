"""Overload: an API process takes at most ``max_in_flight`` requests at once and answers the
next one ``503`` with ``Retry-After`` (a problem document) at once; ``/health`` still answers.

Functional, not timed: requests are held in flight by sending their headers and keeping the
last byte of their body back, so the limit is full for as long as the test wants.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer

from sladesk.api import create_app
from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.services import (
    Actor,
    FixedClock,
    NewContact,
    NewOrganization,
    create_api_token,
    create_contact,
    create_organization,
)

LIMIT = 2


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Container, str]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'sladesk.db'}",
        jobs_in_process=False,
        max_in_flight=LIMIT,
    )
    container = bootstrap(settings, clock=FixedClock(datetime(2026, 3, 10, 10, tzinfo=UTC)))
    system, uow, clock = Actor.system("test"), container.uow(), container.clock
    org = create_organization(uow, clock, system, NewOrganization("Org", "org"))
    contact = create_contact(uow, clock, system, NewContact(org.id, "c@org.example", "C"))
    token = create_api_token(uow, clock, system, contact_id=contact.id).secret
    try:
        yield container, token
    finally:
        container.dispose()


def _held_create(url: str, token: str, subject: str) -> tuple[socket.socket, bytes]:
    """A ticket creation sent but for the last byte of its body: in flight until that byte
    is sent."""
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"subject": subject, "body": "Help"}).encode()
    head = (
        f"POST /api/v1/tickets HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(head + body[:-1])
    return sock, body[-1:]


def _status_of(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, "the server closed the connection without an answer"
        data += chunk
    return int(data[9:12])


def _tickets(container: Container) -> list[str]:
    with container.engine.connect() as conn:
        return list(conn.exec_driver_sql("SELECT subject FROM tickets ORDER BY id").scalars())


def test_past_max_in_flight_a_request_is_refused_at_once_with_503_and_retry_after(
    desk: tuple[Container, str],
) -> None:
    container, token = desk
    auth = {"Authorization": f"Bearer {token}"}
    with (
        LiveServer(create_app(container)) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        held = [_held_create(server.url, token, f"held {i}") for i in range(LIMIT)]
        try:
            # the held requests are admitted as soon as the server has read their headers
            for _ in range(200):
                refused = http.post(
                    "/api/v1/tickets", json={"subject": "x", "body": "y"}, headers=auth
                )
                if refused.status_code == 503:
                    break
                assert refused.status_code == 201, refused.text
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "1"
            assert refused.headers["Content-Type"] == "application/problem+json"
            problem = refused.json()
            assert problem["status"] == 503
            assert problem["type"] == "urn:sladesk:problem:overloaded"
            assert problem["instance"] == "/api/v1/tickets"
            assert str(LIMIT) in problem["detail"]
            before = _tickets(container)
            # every kind of request is refused while the limit is full, and does nothing
            assert http.get("/api/v1/tickets", headers=auth).status_code == 503
            again = http.post("/api/v1/tickets", json={"subject": "z", "body": "y"}, headers=auth)
            assert again.status_code == 503
            assert _tickets(container) == before
            # ... but the process still says it is up
            assert http.get("/api/v1/health").status_code == 200
        finally:
            for sock, last in held:
                sock.sendall(last)
        try:  # the held requests were admitted, not dropped: they complete
            assert [_status_of(sock) for sock, _ in held] == [201] * LIMIT
        finally:
            for sock, _ in held:
                sock.close()
        # and once they are done, requests are taken again
        after = http.post("/api/v1/tickets", json={"subject": "after", "body": "y"}, headers=auth)
        assert after.status_code == 201, after.text
    subjects = _tickets(container)
    assert {"held 0", "held 1", "after"} <= set(subjects)
    assert "z" not in subjects


def test_the_openapi_document_declares_the_503(desk: tuple[Container, str]) -> None:
    container, _ = desk
    spec = create_app(container).openapi()
    create = spec["paths"]["/api/v1/tickets"]["post"]["responses"]
    assert "503" in create and "Retry-After" in create["503"]["headers"]
