"""WhatsApp end to end over real HTTP: Meta's webhooks, signed as Meta signs them, POSTed to
the real app behind uvicorn; the agents' replies sent by the outbox's WhatsApp sender to the
stand-in of the Cloud API (``tests/whatsapp_standin.py``), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from sladesk.bootstrap import Container, bootstrap
from sladesk.channels.whatsapp.media import WhatsAppMediaSender
from sladesk.channels.whatsapp.sending import WhatsAppApi, WhatsAppSender
from sladesk.config import Settings
from sladesk.jobs.delivery import deliver_due
from sladesk.services import (
    Actor,
    FixedClock,
    NewAgent,
    NewOrganization,
    create_agent,
    create_api_token,
    create_organization,
    get_ticket,
    publish_policy,
    whatsapp_deliveries,
)
from sladesk.store import OutboxMessage
from whatsapp_standin import StandIn, deliver, message_body, sign, status_body, whatsapp_standin

SECRET = "meta-app-secret-for-tests"
VERIFY = "verify-me-please"
TOKEN = "EAAG-test-access-token"
CUSTOMER = "351912345678"
POLICY = Path(__file__).resolve().parents[3] / "examples" / "policies" / "infraspeak.yaml"


@pytest.fixture(scope="module")
def standin(database: Any) -> Iterator[StandIn]:
    """A fresh stand-in per database (what it received is per run)."""
    with whatsapp_standin(TOKEN, media={"MEDIA1": ("image/jpeg", b"\xff\xd8\xff-a-photo")}) as s:
        yield s


@pytest.fixture(scope="module")
def container(database: Any, clock: FixedClock, standin: StandIn) -> Iterator[Container]:
    settings = Settings(
        database_url=database.url,
        jobs_in_process=False,
        migrate_on_start=True,
        whatsapp_verify_token=VERIFY,
        whatsapp_app_secret=SECRET,  # type: ignore[arg-type]
        whatsapp_token=TOKEN,  # type: ignore[arg-type]
        whatsapp_phone_number_id=standin.phone_number_id,
        whatsapp_api_base=standin.url,
        whatsapp_organization="acme",
    )
    c = bootstrap(settings, clock=clock, engine=database.engine())
    root = Actor.system("test")
    admin = create_agent(c.uow(), clock, root, NewAgent("admin@desk.test", "Ada", role="admin"))
    actor = Actor.agent(admin.id, "admin", name=admin.name)
    publish_policy(c.uow(), clock, actor, POLICY.read_text(), source="infraspeak.yaml")
    create_organization(c.uow(), clock, actor, NewOrganization("Acme", "acme"))
    try:
        yield c
    finally:
        c.dispose()


@pytest.fixture(scope="module")
def agent_token(container: Container, clock: FixedClock) -> str:
    a = create_agent(
        container.uow(), clock, Actor.system("test"), NewAgent("al@desk.test", "Al Agent")
    )
    issued = create_api_token(container.uow(), clock, Actor.agent(a.id, "agent", name=a.name))
    return issued.secret


@pytest.fixture(scope="module")
def console(container: Container, clock: FixedClock, server: Any) -> Iterator[httpx.Client]:
    """An agent signed in to the web console."""
    create_agent(
        container.uow(),
        clock,
        Actor.system("test"),
        NewAgent("web@desk.test", "Wes Web", password="a long web password"),
    )
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=True) as client:
        sign_in(client)
        yield client


def sign_in(client: httpx.Client) -> None:
    """(Again: a session ends after an hour without a request, and the tests move the clock.)"""
    page = client.get("/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"email": "web@desk.test", "password": "a long web password", "csrf_token": csrf[1]}
    assert client.post("/sign-in", data=form).status_code == 200


def hook(http: httpx.Client) -> str:
    return str(http.base_url).rstrip("/") + "/channels/whatsapp/webhook"


def tickets_of(container: Container) -> list[tuple[int, int]]:
    """(ticket id, message count) of the WhatsApp tickets."""
    with container.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT t.id, (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) "
                "FROM tickets t WHERE t.channel = 'whatsapp' ORDER BY t.id"
            )
        ).all()
    return [(int(a), int(b)) for a, b in rows]


def sender(container: Container, standin: StandIn) -> WhatsAppSender:
    api = WhatsAppApi(standin.url, TOKEN, standin.phone_number_id, 10.0)
    return WhatsAppSender(api, container.uow, container.clock)


def media(container: Container, standin: StandIn, attempts: int = 8) -> WhatsAppMediaSender:
    return WhatsAppMediaSender(container.uow, container.clock, standin.url, TOKEN,
                               max_bytes=1024 * 1024, attempts=attempts)  # fmt: skip


def attachment_sizes(container: Container, ticket_id: int) -> list[int]:
    with container.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT size FROM attachments WHERE ticket_id = :t ORDER BY id"),
            {"t": ticket_id},
        ).all()
    return [int(r[0]) for r in rows]


def whatsapp_rows(container: Container) -> list[OutboxMessage]:
    with container.uow().read_only() as uow:
        return list(
            uow.session.execute(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == "whatsapp")
                .order_by(OutboxMessage.id)
            ).scalars()
        )


def test_the_verification_handshake_answers_only_our_verify_token(http: httpx.Client) -> None:
    ok = http.get(
        "/channels/whatsapp/webhook",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = http.get(
        "/channels/whatsapp/webhook",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "guess",
            "hub.challenge": "1158201444",
        },
    )
    assert bad.status_code == 403 and "1158201444" not in bad.text


def test_unsigned_or_badly_signed_deliveries_are_refused_and_store_nothing(
    http: httpx.Client, container: Container, clock: FixedClock
) -> None:
    doc = message_body("wamid.FORGED", CUSTOMER, clock.now(), "send me the invoices")
    assert deliver(hook(http), doc, None).status_code == 401
    assert deliver(hook(http), doc, "not-the-secret").status_code == 403
    assert deliver(hook(http), doc, None, signature="sha256=zz").status_code == 403
    # signed, then altered: the signature is of the raw body
    raw_signature = sign(b'{"object": "whatsapp_business_account"}', SECRET)
    assert deliver(hook(http), doc, None, signature=raw_signature).status_code == 403
    assert tickets_of(container) == []


def test_a_signed_message_opens_a_ticket_once_and_a_reply_is_delivered_once(
    http: httpx.Client,
    container: Container,
    clock: FixedClock,
    standin: StandIn,
    agent_token: str,
) -> None:
    doc = message_body("wamid.IN1", CUSTOMER, clock.now(), "The elevator is stuck")
    first = deliver(hook(http), doc, SECRET)
    assert first.status_code == 200 and first.json()["stored"] == 1
    again = deliver(hook(http), doc, SECRET)  # Meta delivers again: stored once
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    ((ticket_id, count),) = tickets_of(container)
    assert count == 1

    photo = message_body(
        "wamid.IN2", CUSTOMER, clock.now(), image=("MEDIA1", "image/jpeg", "floor 3")
    )
    assert deliver(hook(http), photo, SECRET).json()["stored"] == 1
    assert tickets_of(container) == [(ticket_id, 2)]
    assert attachment_sizes(container, ticket_id) == []  # fetched by the jobs, not the webhook
    assert deliver_due(container.uow(), clock, {"whatsapp_media": media(container, standin)}
                       ).delivered == 1  # fmt: skip
    with container.engine.connect() as conn:
        (size,) = conn.execute(
            sa.text("SELECT size FROM attachments WHERE ticket_id = :t"), {"t": ticket_id}
        ).one()
    assert size == len(b"\xff\xd8\xff-a-photo")  # fetched from the API

    clock.advance(timedelta(minutes=3))
    reply = http.post(
        f"/api/v1/tickets/{ticket_id}/replies",
        json={"body": "A technician is on the way."},
        headers={"Authorization": f"Bearer {agent_token}"},
    )
    assert reply.status_code == 200, reply.text
    (row,) = whatsapp_rows(container)
    standin.fail_first = standin.requests + 1  # the first attempt meets a 500: retried
    send = sender(container, standin)
    report = deliver_due(container.uow(), clock, {"whatsapp": send})
    assert report.retried == 1 and standin.sent == []
    clock.advance(timedelta(minutes=10))  # past the backoff
    report = deliver_due(container.uow(), clock, {"whatsapp": send})
    assert report.delivered == 1
    assert [(m["to"], m["text"]["body"]) for m in standin.sent] == [
        (CUSTOMER, "A technician is on the way.")
    ]
    clock.advance(timedelta(minutes=10))
    assert deliver_due(container.uow(), clock, {"whatsapp": send}).claimed == 0
    send.send(_claimed(row))  # the same row handed over again (a lease that ran out)
    assert len(standin.sent) == 1  # nothing sent twice

    state = http.get(
        f"/api/v1/tickets/{ticket_id}/whatsapp", headers={"Authorization": f"Bearer {agent_token}"}
    )
    assert state.status_code == 200, state.text
    assert state.json()["window_open"] is True and state.json()["number"] == CUSTOMER
    assert [(d["status"], d["external_id"]) for d in state.json()["deliveries"]] == [
        ("sent", "wamid.OUT1")
    ]
    system = Actor.system("test")
    (delivery,) = whatsapp_deliveries(container.uow(), system, ticket_id)
    assert (delivery.status, delivery.external_id) == ("sent", "wamid.OUT1")
    for status in ("delivered", "read"):
        assert (
            deliver(
                hook(http), status_body("wamid.OUT1", CUSTOMER, status, clock.now()), SECRET
            ).json()["statuses"]
            == 1
        )
        (delivery,) = whatsapp_deliveries(container.uow(), system, ticket_id)
        assert delivery.status == status
    with container.engine.connect() as conn:
        ours = conn.execute(
            sa.text(
                "SELECT external_id FROM messages WHERE ticket_id = :t AND author_kind = 'agent'"
            ),
            {"t": ticket_id},
        ).scalar()
    assert ours == "wamid.OUT1"  # the wamid is on our message


def _claimed(row: OutboxMessage) -> object:
    from sladesk.jobs.senders import OutboxMessage as Claimed

    return Claimed(row.id, row.kind, row.key, dict(row.payload), row.attempts)


def test_outside_the_24_hour_window_a_reply_is_refused_with_the_reason(
    http: httpx.Client,
    container: Container,
    clock: FixedClock,
    standin: StandIn,
    agent_token: str,
    console: httpx.Client,
) -> None:
    other = "351918888888"
    doc = message_body("wamid.LATE", other, clock.now(), "Is anyone there?")
    assert deliver(hook(http), doc, SECRET).json()["stored"] == 1
    ticket_id = max(t for t, _ in tickets_of(container))
    page = console.get(f"/tickets/{ticket_id}")
    assert page.status_code == 200
    assert "public replies reach the customer until" in page.text
    clock.advance(timedelta(hours=25))
    console.cookies.clear()
    sign_in(console)
    page = console.get(f"/tickets/{ticket_id}")
    assert "the 24-hour window is closed" in page.text  # the console says so before a reply
    state = http.get(
        f"/api/v1/tickets/{ticket_id}/whatsapp", headers={"Authorization": f"Bearer {agent_token}"}
    )
    assert state.json()["window_open"] is False  # and so does the API
    before = len(standin.sent)
    reply = http.post(
        f"/api/v1/tickets/{ticket_id}/replies",
        json={"body": "Yes, sorry!"},
        headers={"Authorization": f"Bearer {agent_token}"},
    )
    assert reply.status_code == 200
    report = deliver_due(container.uow(), clock, {"whatsapp": sender(container, standin)})
    assert report.dead == 1 and len(standin.sent) == before
    row = whatsapp_rows(container)[-1]
    assert row.failed_at is not None and "24-hour" in (row.last_error or "")
    ticket = get_ticket(container.uow(), clock, Actor.system("test"), ticket_id)
    assert any("24-hour" in m.body for m in ticket.messages if not m.public)  # agents see why

    # a template by name may still be sent
    http.post(
        f"/api/v1/tickets/{ticket_id}/replies",
        json={"body": "/template follow_up pt_PT"},
        headers={"Authorization": f"Bearer {agent_token}"},
    ).raise_for_status()
    report = deliver_due(container.uow(), clock, {"whatsapp": sender(container, standin)})
    assert report.delivered == 1
    assert standin.sent[-1]["template"] == {"name": "follow_up", "language": {"code": "pt_PT"}}


def test_a_slow_or_failing_media_server_does_not_hold_the_webhooks_answer(
    http: httpx.Client, container: Container, clock: FixedClock, standin: StandIn
) -> None:
    """The medium is fetched by the jobs after the message is stored: while the media
    server does not answer at all, the webhook still answers 200 at once (it asked the
    media server nothing); a medium that keeps failing is retried, then named in a note."""
    number = "351913333333"
    standin.media["SLOW1"] = ("image/jpeg", b"\xff\xd8\xff-slow")
    standin.media["FLAKY1"] = ("image/jpeg", b"\xff\xd8\xff-flaky")
    standin.media["DOWN1"] = ("image/jpeg", b"\xff\xd8\xff-down")
    standin.failing_media.update(FLAKY1=1, DOWN1=-1)
    before = standin.media_requests
    standin.media_gate.clear()  # the media server hangs
    try:
        for wamid, media_id in (("wamid.S1", "SLOW1"), ("wamid.S2", "FLAKY1"),
                                ("wamid.S3", "DOWN1")):  # fmt: skip
            doc = message_body(wamid, number, clock.now(), image=(media_id, "image/jpeg", ""))
            answer = deliver(hook(http), doc, SECRET)
            assert answer.status_code == 200 and answer.json()["stored"] == 1
        assert standin.media_requests == before  # the webhook asked the media server nothing
    finally:
        standin.media_gate.set()
    ticket_id = ticket_of_number(container, number)
    assert attachment_sizes(container, ticket_id) == []

    sender = {"whatsapp_media": media(container, standin, attempts=2)}
    first = deliver_due(container.uow(), clock, sender)
    assert (first.delivered, first.retried) == (1, 2)  # SLOW1 now; FLAKY1, DOWN1 later
    clock.advance(timedelta(hours=1))
    second = deliver_due(container.uow(), clock, sender)
    assert (second.delivered, second.dead) == (1, 1)  # FLAKY1 came; DOWN1 given up
    assert attachment_sizes(container, ticket_id) == [len(b"\xff\xd8\xff-slow"),
                                                      len(b"\xff\xd8\xff-flaky")]  # fmt: skip
    system = Actor.system("test")
    notes = [m.body for m in get_ticket(container.uow(), clock, system, ticket_id).messages
             if not m.public]  # fmt: skip
    (note,) = [n for n in notes if "DOWN1" in n]
    assert "could not be copied" in note and "HTTP 503" in note and "2 attempts" in note
    clock.advance(timedelta(hours=1))
    assert deliver_due(container.uow(), clock, sender).claimed == 0  # nothing left


def ticket_of_number(container: Container, number: str) -> int:
    with container.engine.connect() as conn:
        (ticket_id,) = conn.execute(
            sa.text(
                "SELECT ticket_id FROM channel_addresses WHERE channel = 'whatsapp' "
                "AND address = :n"
            ),
            {"n": number},
        ).one()
    return int(ticket_id)
