"""WhatsApp templates and media end to end over real HTTP, on SQLite and PostgreSQL, against
the Cloud API stand-in (``tests/whatsapp_standin.py``): the approved templates listed (in
pages), cached, offered on the console's ticket page outside the 24-hour window with their
parameters filled in, and sent with them; the customer's documents, audio and video
fetched from the media endpoints by the jobs after the webhook stored their messages, and
attached (too large or unknown: named in a note, not stored);
an agent's reply with files sent as media, uploaded first, each once across a retry and a
send that may have reached WhatsApp."""

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
from sladesk.channels.whatsapp.sending import WhatsAppApi, WhatsAppSender
from sladesk.channels.whatsapp.templates import TemplatesUnavailable, fetch_templates
from sladesk.config import Settings
from sladesk.jobs.assembly import whatsapp_media_sender, whatsapp_templates_job
from sladesk.jobs.delivery import deliver_due
from sladesk.jobs.senders import OutboxMessage as Claimed
from sladesk.services import (
    Actor,
    FixedClock,
    NewAgent,
    NewOrganization,
    create_agent,
    create_api_token,
    create_organization,
    get_ticket,
    list_attachments,
    publish_policy,
    reply_publicly,
    whatsapp_deliveries,
    whatsapp_templates,
)
from sladesk.store import OutboxMessage
from whatsapp_standin import StandIn, deliver, message_body, template, whatsapp_standin

SECRET = "meta-app-secret-for-media"
TOKEN = "EAAG-media-access-token"
POLICY = Path(__file__).resolve().parents[3] / "examples" / "policies" / "infraspeak.yaml"
PDF = b"%PDF-1.4 the inspection report"
PNG = b"\x89PNG\r\n\x1a\n-a-floor-plan"
LIMIT = 64 * 1024  # SLADESK_ATTACHMENT_MAX_BYTES here


@pytest.fixture(scope="module")
def standin(database: Any) -> Iterator[StandIn]:
    media = {
        "DOC1": ("application/pdf", PDF),
        "VOICE1": ("audio/ogg; codecs=opus", b"OggS-a-voice-note"),
        "VID1": ("video/mp4", b"\x00\x00\x00\x18ftypmp42-a-clip"),
        "HUGE1": ("video/mp4", b"\x00" * (LIMIT + 1)),
        "HUGE2": ("video/mp4", b"\x00" * (LIMIT + 1)),  # its size not told: read, then cut
    }
    templates = [
        template("visit_booked", "pt_PT", "Olá {{1}}, a visita do pedido {{2}} está marcada.",
                 examples=["Ana", "#12"]),
        template("follow_up", "en_US", "Hi {{1}}, is ticket {{2}} solved for you?"),
        template("follow_up", "pt_PT", "Olá {{1}}, o pedido {{2}} ficou resolvido?"),
        template("no_params", "en_US", "We have news about your request."),
        template("draft_promo", "en_US", "Buy {{1}}", status="REJECTED"),
    ]  # fmt: skip
    with whatsapp_standin(TOKEN, media=media, templates=templates, page_size=2,
                          unsized={"HUGE2"}) as s:  # fmt: skip
        yield s


@pytest.fixture(scope="module")
def container(database: Any, clock: FixedClock, standin: StandIn) -> Iterator[Container]:
    settings = Settings(
        database_url=database.url, jobs_in_process=False, migrate_on_start=True,
        whatsapp_app_secret=SECRET,  # type: ignore[arg-type]
        whatsapp_token=TOKEN,  # type: ignore[arg-type]
        whatsapp_phone_number_id=standin.phone_number_id, whatsapp_api_base=standin.url,
        whatsapp_business_account_id=standin.waba_id, whatsapp_organization="acme",
        attachment_max_bytes=LIMIT,
    )  # fmt: skip
    c = bootstrap(settings, clock=clock, engine=database.engine())
    root = Actor.system("test")
    admin = create_agent(c.uow(), clock, root, NewAgent("admin@desk.test", "Ada", role="admin"))
    actor = Actor.agent(admin.id, "admin", name=admin.name)
    publish_policy(c.uow(), clock, actor, POLICY.read_text(), source="infraspeak.yaml")
    create_organization(c.uow(), clock, actor, NewOrganization("Acme", "acme"))
    create_agent(c.uow(), clock, root,
                 NewAgent("web@desk.test", "Wes Web", password="a long web password"))  # fmt: skip
    try:
        yield c
    finally:
        c.dispose()


@pytest.fixture
def console(container: Container, server: Any) -> Iterator[httpx.Client]:
    """An agent signed in to the web console (anew: the tests move the clock by days)."""
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=True) as client:
        page = client.get("/")
        form = {"email": "web@desk.test", "password": "a long web password",
                "csrf_token": csrf_of(page.text)}  # fmt: skip
        assert client.post("/sign-in", data=form).status_code == 200
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def hook(http: httpx.Client) -> str:
    return str(http.base_url).rstrip("/") + "/channels/whatsapp/webhook"


def sender(container: Container, standin: StandIn, timeout: float = 10.0) -> WhatsAppSender:
    return WhatsAppSender(WhatsAppApi(standin.url, TOKEN, standin.phone_number_id, timeout),
                          container.uow, container.clock)  # fmt: skip


def ticket_of(container: Container, number: str) -> int:
    with container.engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT ticket_id FROM channel_addresses WHERE address = :a"), {"a": number}
        ).scalar_one()
    return int(found)


def outbox_keys(container: Container, ticket_id: int) -> list[str]:
    with container.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT key FROM outbox WHERE kind = 'whatsapp' AND key LIKE :k ORDER BY id"),
            {"k": f"whatsapp:{ticket_id}:%"},
        ).all()
    return [str(r[0]) for r in rows]


def test_templates_are_listed_in_pages_and_cached_and_a_failed_listing_keeps_them(
    container: Container, clock: FixedClock, standin: StandIn
) -> None:
    job = whatsapp_templates_job(container)
    assert job is not None
    before = standin.template_requests
    assert job.run_once() == 4  # the rejected one is not cached
    assert standin.template_requests - before == 2  # 4 approved templates, 2 a page
    listed = whatsapp_templates(container.uow(), clock, Actor.system("test"))
    assert [(t.name, t.language, t.parameters) for t in listed] == [
        ("follow_up", "en_US", ("1", "2")), ("follow_up", "pt_PT", ("1", "2")),
        ("no_params", "en_US", ()), ("visit_booked", "pt_PT", ("1", "2")),
    ]  # fmt: skip
    assert listed[-1].examples == ("Ana", "#12")
    assert job.run_once() == 0  # not again before the interval
    standin.fail_templates = True
    try:
        clock.advance(timedelta(hours=2))
        assert job.run_once() == 0  # refused: the cache is kept
        assert len(whatsapp_templates(container.uow(), clock, Actor.system("test"))) == 4
    finally:
        standin.fail_templates = False
    with httpx.Client(timeout=5) as client, pytest.raises(TemplatesUnavailable):
        fetch_templates(standin.url, "a-wrong-token", standin.waba_id, client)  # 401


def test_outside_the_window_the_console_offers_the_templates_filled_in_and_sends_one(
    http: httpx.Client, container: Container, clock: FixedClock, standin: StandIn,
    console: httpx.Client,
) -> None:  # fmt: skip
    job = whatsapp_templates_job(container)
    assert job is not None and job.run_once() == 4  # (the cache, as the runner keeps it)
    number = "351917777777"
    doc = message_body("wamid.TPL1", number, clock.now(), "Is the visit booked?", name="Rita Sá")
    assert deliver(hook(http), doc, SECRET).json()["stored"] == 1
    ticket_id = ticket_of(container, number)
    page = console.get(f"/tickets/{ticket_id}").text
    assert "Approved WhatsApp templates" not in page  # inside the window: free text
    clock.advance(timedelta(hours=25))
    console.cookies.clear()
    page = console.get("/").text
    console.post("/sign-in", data={"email": "web@desk.test", "password": "a long web password",
                                   "csrf_token": csrf_of(page)})  # fmt: skip
    page = console.get(f"/tickets/{ticket_id}").text
    assert "the 24-hour window is closed" in page and "Approved WhatsApp templates" in page
    assert "visit_booked (pt_PT)" in page and "draft_promo" not in page
    # the parameters the ticket tells are filled in: the customer's name after a greeting,
    # the ticket's number after "ticket"/"pedido"; Meta's examples are the hints
    number_ = get_ticket(container.uow(), clock, Actor.system("test"), ticket_id).number
    assert f"Olá Rita Sá, a visita do pedido #{number_} está marcada." in page
    assert 'name="values" value="Rita Sá" placeholder="Ana"' in page
    assert f'name="values" value="#{number_}" placeholder="#12"' in page
    assert "We have news about your request." in page  # no parameters: nothing to fill

    def send(values: list[str], name: str = "visit_booked") -> str:
        csrf = csrf_of(console.get(f"/tickets/{ticket_id}").text)
        form = {"csrf_token": csrf, "name": name, "language": "pt_PT",
                "keys": ["1", "2"][: len(values)], "values": values}  # fmt: skip
        return console.post(f"/tickets/{ticket_id}/whatsapp-template", data=form).text

    refused = send(["Rita Sá", "  "])  # a parameter left empty: refused, nothing queued
    assert 'class="notice"' in refused and "needs a value for 2" in refused
    assert "no approved WhatsApp template not_listed" in send(["Rita Sá", "#7"], "not_listed")
    assert outbox_keys(container, ticket_id) == []

    send(["Rita Sá", "#7"])
    assert len(outbox_keys(container, ticket_id)) == 1
    report = deliver_due(container.uow(), clock, {"whatsapp": sender(container, standin)})
    assert report.delivered == 1, report
    assert standin.sent[-1]["template"] == {
        "name": "visit_booked", "language": {"code": "pt_PT"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Rita Sá"},
                                                       {"type": "text", "text": "#7"}]}],
    }  # fmt: skip

    # a template typed by hand with a parameter short is refused before WhatsApp sees it
    agent = Actor.system("test")
    me = create_agent(container.uow(), clock, agent, NewAgent("tpl@desk.test", "Tó"))
    sent = len(standin.sent)
    reply_publicly(container.uow(), clock, Actor.agent(me.id, name="Tó"), ticket_id,
                   "/template follow_up pt_PT\n1=Rita")  # fmt: skip
    report = deliver_due(container.uow(), clock, {"whatsapp": sender(container, standin)})
    assert report.dead == 1 and len(standin.sent) == sent
    notes = [m.body for m in get_ticket(container.uow(), clock, agent, ticket_id).messages
             if not m.public]  # fmt: skip
    assert any("takes the parameters 1, 2: missing 2" in n for n in notes)


def test_the_customers_documents_audio_and_video_are_fetched_and_attached(
    http: httpx.Client, container: Container, clock: FixedClock, standin: StandIn
) -> None:
    number = "351916666666"
    at = clock.now()
    docs = [
        message_body("wamid.M1", number, at, media=("document", "DOC1", "application/pdf",
                                                    "report.pdf")),
        message_body("wamid.M2", number, at, media=("audio", "VOICE1", "audio/ogg; codecs=opus",
                                                    None)),
        message_body("wamid.M3", number, at, media=("video", "VID1", "video/mp4", None)),
        message_body("wamid.M4", number, at, media=("video", "HUGE1", "video/mp4", None)),
        message_body("wamid.M5", number, at, media=("document", "GONE1", "application/pdf",
                                                    "lost.pdf")),
        message_body("wamid.M6", number, at, media=("video", "HUGE2", "video/mp4", None)),
    ]  # fmt: skip
    for doc in docs:
        assert deliver(hook(http), doc, SECRET).json()["stored"] == 1
    assert deliver(hook(http), docs[0], SECRET).json()["duplicates"] == 1  # stored once
    ticket_id = ticket_of(container, number)
    system = Actor.system("test")
    assert list_attachments(container.uow(), clock, system, ticket_id) == []  # not yet
    # the jobs fetch them, each once (the row of the duplicate was never queued)
    fetch = {"whatsapp_media": whatsapp_media_sender(container)}
    report = deliver_due(container.uow(), clock, fetch)
    assert (report.claimed, report.delivered, report.dead) == (6, 3, 3)
    assert deliver_due(container.uow(), clock, fetch).claimed == 0
    files = list_attachments(container.uow(), clock, system, ticket_id)
    assert [(f.filename, f.content_type, f.size) for f in files] == [
        ("report.pdf", "application/pdf", len(PDF)),
        ("audio-VOICE1.ogg", "audio/ogg", len(b"OggS-a-voice-note")),
        ("video-VID1.mp4", "video/mp4", len(b"\x00\x00\x00\x18ftypmp42-a-clip")),
    ]
    bodies = [m.body for m in get_ticket(container.uow(), clock, system, ticket_id).messages]
    for huge in ("HUGE1", "HUGE2"):
        assert any(f"larger than {LIMIT} bytes" in b and huge in b for b in bodies)
    assert "HUGE1" not in standin.downloads  # its declared size was enough to refuse it
    assert any("lost.pdf" in b and "GONE1" in b and "HTTP 404" in b for b in bodies)


def test_a_reply_with_files_is_sent_as_media_each_once_across_a_retry(
    http: httpx.Client, container: Container, clock: FixedClock, standin: StandIn,
    console: httpx.Client,
) -> None:  # fmt: skip
    number = "351915555555"
    doc = message_body("wamid.F1", number, clock.now(), "Send me the report please")
    assert deliver(hook(http), doc, SECRET).json()["stored"] == 1
    ticket_id = ticket_of(container, number)
    page = console.get(f"/tickets/{ticket_id}").text
    files = [("files", ("plan.png", PNG, "image/png")),
             ("files", ("report.pdf", PDF, "application/pdf"))]  # fmt: skip
    r = console.post(f"/tickets/{ticket_id}/reply", files=files,
                     data={"body": "Here they are.", "kind": "reply",
                           "csrf_token": csrf_of(page)})  # fmt: skip
    assert r.status_code == 200
    keys = outbox_keys(container, ticket_id)
    assert len(keys) == 3 and [k.count(":file:") for k in keys] == [0, 1, 1]
    sent, uploads = len(standin.sent), len(standin.uploads)
    standin.fail_uploads = standin.upload_requests + 1  # the first upload meets a 500
    send = sender(container, standin)
    report = deliver_due(container.uow(), clock, {"whatsapp": send})
    assert (report.delivered, report.retried) == (2, 1), report
    clock.advance(timedelta(minutes=10))  # past the backoff
    assert deliver_due(container.uow(), clock, {"whatsapp": send}).delivered == 1
    clock.advance(timedelta(minutes=10))
    assert deliver_due(container.uow(), clock, {"whatsapp": send}).claimed == 0
    new = standin.sent[sent:]
    assert [m["type"] for m in new] == ["text", "image", "document"] or [
        m["type"] for m in new
    ] == ["text", "document", "image"]
    by_type = {m["type"]: m for m in new}
    image_id, document = by_type["image"]["image"]["id"], by_type["document"]["document"]
    assert document["filename"] == "report.pdf"
    assert standin.uploads[image_id] == ("plan.png", "image/png", PNG)
    assert standin.uploads[document["id"]] == ("report.pdf", "application/pdf", PDF)
    assert len(standin.uploads) == uploads + 2  # the refused upload stored nothing
    # every row handed over again (leases that ran out): nothing is sent twice
    for i, key in enumerate(keys):
        payload = _payload(container, key)
        send.send(Claimed(i, "whatsapp", key, payload, 1))
    assert len(standin.sent) == sent + 3
    deliveries = whatsapp_deliveries(container.uow(), Actor.system("test"), ticket_id)
    assert [d.status for d in deliveries] == ["sent", "sent", "sent"]


def _payload(container: Container, key: str) -> dict[str, Any]:
    with container.uow().read_only() as uow:
        row = uow.session.execute(sa.select(OutboxMessage).where(OutboxMessage.key == key))
        return dict(row.scalar_one().payload)


def test_a_file_whose_send_may_have_reached_whatsapp_is_not_sent_again(
    http: httpx.Client, container: Container, clock: FixedClock, standin: StandIn
) -> None:
    number = "351914444444"
    doc = message_body("wamid.H1", number, clock.now(), "And the invoice?")
    assert deliver(hook(http), doc, SECRET).json()["stored"] == 1
    ticket_id = ticket_of(container, number)
    agent = create_agent(container.uow(), clock, Actor.system("test"),
                         NewAgent("hang@desk.test", "Hal"))  # fmt: skip
    token = create_api_token(container.uow(), clock, Actor.agent(agent.id, name="Hal")).secret
    auth = {"Authorization": f"Bearer {token}"}
    api = http
    reply = api.post(f"/api/v1/tickets/{ticket_id}/replies", json={"body": "Attached."},
                     headers=auth).json()  # fmt: skip
    message_id = reply["messages"][-1]["id"]
    deliver_due(container.uow(), clock, {"whatsapp": sender(container, standin)})  # the text
    r = api.post(f"/api/v1/tickets/{ticket_id}/attachments", headers=auth,
                 files={"file": ("invoice.pdf", PDF, "application/pdf")},
                 data={"message_id": str(message_id)})  # fmt: skip
    assert r.status_code == 201, r.text
    _, file_key = outbox_keys(container, ticket_id)  # the file's own row, after the text's
    sent = len(standin.sent)
    # the file's message reaches WhatsApp, but its answer does not come back in time
    standin.hang_messages, standin.hang_seconds = 1, 2.0
    report = deliver_due(container.uow(), clock,
                         {"whatsapp": sender(container, standin, timeout=0.5)})  # fmt: skip
    assert report.retried + report.delivered + report.dead == 1 and report.delivered == 0
    assert len(standin.sent) == sent + 1
    clock.advance(timedelta(minutes=10))
    report = deliver_due(container.uow(), clock, {"whatsapp": sender(container, standin)})
    assert report.dead == 1 and len(standin.sent) == sent + 1  # not sent again
    deliveries = whatsapp_deliveries(container.uow(), Actor.system("test"), ticket_id)
    (delivery,) = [d for d in deliveries if d.outbox_key == file_key]
    assert delivery.status == "failed" and "may have reached WhatsApp" in (delivery.error or "")
