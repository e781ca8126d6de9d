"""A voicemail's audio over real HTTP, on SQLite and PostgreSQL: the recording webhook
(signed as Twilio signs it) is answered at once without fetching anything; the outbox's
``voicemail_audio`` sender then fetches the recording from a Twilio stand-in over TLS,
with the account's credentials, and stores it as an attachment of the voicemail's message
— once, across retries and a row handed over twice. When it cannot (too large, refused,
never there), an internal note says why and the provider's URL stays the way to it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import sqlalchemy as sa

from sladesk.bootstrap import Container, bootstrap
from sladesk.channels.phone.recordings import VoicemailAudioSender
from sladesk.config import Settings
from sladesk.jobs.delivery import deliver_due
from sladesk.jobs.senders import OutboxMessage as Claimed
from sladesk.services import (
    Actor,
    FixedClock,
    NewAgent,
    create_agent,
    get_attachment,
    get_ticket,
    list_attachments,
    publish_policy,
)
from sladesk.store import OutboxMessage
from twilio_standin import ACCOUNT_SID, TwilioStandIn, twilio_standin

AIVO = Path(__file__).resolve().parents[3] / "examples" / "policies" / "aivo.yaml"
TOKEN = "twilio-auth-token-for-audio"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt -a-short-voicemail"
SYSTEM = Actor.system("test")


@pytest.fixture(scope="module")
def twilio(database: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwilioStandIn]:
    """A fresh stand-in per database (what it counted is per run)."""
    with twilio_standin(TOKEN, tmp_path_factory.mktemp("tls")) as stand:
        yield stand


@pytest.fixture(scope="module")
def container(database: Any, clock: FixedClock) -> Iterator[Container]:
    settings = Settings(database_url=database.url, jobs_in_process=False,
                        migrate_on_start=True, phone_auth_token=TOKEN)  # type: ignore[arg-type]  # fmt: skip
    c = bootstrap(settings, clock=clock, engine=database.engine())
    admin = create_agent(c.uow(), clock, SYSTEM, NewAgent("admin@aivo.example", "Ada", "admin"))
    publish_policy(c.uow(), clock, Actor.agent(admin.id, "admin"), AIVO.read_text(),
                   source="aivo.yaml")  # fmt: skip
    try:
        yield c
    finally:
        c.dispose()


def post(http: httpx.Client, fields: dict[str, str], *, signed: bool = True) -> httpx.Response:
    """POST as Twilio does: form fields, ``X-Twilio-Signature`` over the URL + sorted fields
    (computed here, independently of sladesk's code)."""
    url = str(http.base_url).rstrip("/") + "/channels/phone/recording"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed:
        data = url + "".join(k + fields[k] for k in sorted(fields))
        mac = hmac.new(TOKEN.encode(), data.encode(), hashlib.sha1).digest()
        headers["X-Twilio-Signature"] = base64.b64encode(mac).decode()
    return http.post("/channels/phone/recording", content=urlencode(fields), headers=headers)


def recording(sid: str, url: str, **kw: str) -> dict[str, str]:
    return {"CallSid": "CA" + sid[2:], "AccountSid": ACCOUNT_SID, "From": "+15557654321",
            "To": "+541140000000", "CallStatus": "completed", "RecordingSid": sid,
            "RecordingUrl": url, "RecordingDuration": "17", **kw}  # fmt: skip


def sender(container: Container, twilio: TwilioStandIn, **kw: Any) -> VoicemailAudioSender:
    client = httpx.Client(verify=ssl.create_default_context(cafile=str(twilio.ca)), timeout=10)
    options: dict[str, Any] = {"max_bytes": 1024, **kw}
    token = options.pop("token", TOKEN)
    return VoicemailAudioSender(container.uow, container.clock, token, client=client, **options)


def rows(container: Container, sid: str) -> list[OutboxMessage]:
    with container.uow().read_only() as uow:
        return list(uow.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.key == f"voicemail_audio:{sid}")
        ).scalars())  # fmt: skip


def ticket_of(container: Container, sid: str) -> int:
    with container.engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT ticket_id FROM messages WHERE external_id = :e"),
            {"e": f"recording:{sid}"},
        ).scalar_one()
    return int(found)


def test_the_webhook_answers_at_once_and_the_jobs_copy_the_audio_once(
    container: Container, clock: FixedClock, http: httpx.Client, twilio: TwilioStandIn
) -> None:
    sid = "RE" + "a" * 32
    twilio.recordings[sid] = ("audio/x-wav", WAV)
    fields = recording(sid, twilio.recording_url(sid))
    first = post(http, fields)
    assert first.status_code == 200 and "<Say" in first.text, first.text
    assert post(http, fields).status_code == 200  # Twilio retries: queued once
    assert twilio.requests == 0  # nothing fetched inside the webhook's request
    (row,) = rows(container, sid)
    ticket_id = ticket_of(container, sid)
    assert list_attachments(container.uow(), clock, SYSTEM, ticket_id) == []

    twilio.fail_first = twilio.requests + 1  # the provider is busy once: retried
    send = sender(container, twilio)
    report = deliver_due(container.uow(), clock, {"voicemail_audio": send})
    assert (report.retried, report.delivered) == (1, 0)
    clock.advance(timedelta(minutes=5))
    assert deliver_due(container.uow(), clock, {"voicemail_audio": send}).delivered == 1
    (audio,) = list_attachments(container.uow(), clock, SYSTEM, ticket_id)
    voicemail = get_ticket(container.uow(), clock, SYSTEM, ticket_id).messages[0]
    assert (audio.filename, audio.content_type, audio.size) == (
        f"voicemail-{sid}.wav", "audio/x-wav", len(WAV),
    )  # fmt: skip
    assert audio.message_id == voicemail.id and twilio.recording_url(sid) in voicemail.body
    got = get_attachment(container.uow(), clock, SYSTEM, ticket_id, audio.id)
    assert got.content == WAV
    assert twilio.unauthorised == 0  # the account's credentials went with every request
    # the row handed over again (a lease that ran out): stored once
    send.send(Claimed(row.id, row.kind, row.key, dict(row.payload), 2))
    assert len(list_attachments(container.uow(), clock, SYSTEM, ticket_id)) == 1


def test_a_redirect_to_storage_is_followed_without_the_credentials(
    container: Container, clock: FixedClock, http: httpx.Client, twilio: TwilioStandIn
) -> None:
    sid = "RE" + "b" * 32
    twilio.recordings[sid] = ("audio/mpeg", b"ID3-an-mp3-voicemail")
    assert post(http, recording(sid, twilio.recording_url(sid))).status_code == 200
    twilio.redirect = True
    try:
        send = sender(container, twilio)
        report = deliver_due(container.uow(), clock, {"voicemail_audio": send})
    finally:
        twilio.redirect = False
    assert report.delivered == 1
    (audio,) = list_attachments(container.uow(), clock, SYSTEM, ticket_of(container, sid))
    assert audio.filename == f"voicemail-{sid}.mp3"
    assert twilio.storage_authorised == 0  # the credentials did not leave the provider


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("too large", "larger than 1024 bytes"),
        ("wrong token", "HTTP 401"),
        ("never there", "HTTP 404, 3 attempts"),
        ("not audio", "not audio"),
    ],
)
def test_when_the_audio_cannot_be_copied_a_note_says_why_and_the_url_stays(
    container: Container, clock: FixedClock, http: httpx.Client, twilio: TwilioStandIn,
    case: str, expected: str,
) -> None:  # fmt: skip
    sid = "RE" + hashlib.sha256(case.encode()).hexdigest()[:32]
    if case == "too large":
        twilio.recordings[sid] = ("audio/x-wav", b"R" * 2048)
    elif case == "not audio":
        twilio.recordings[sid] = ("text/html", b"<html>log in</html>")
    elif case == "wrong token":
        twilio.recordings[sid] = ("audio/x-wav", WAV)
    url = twilio.recording_url(sid)
    assert post(http, recording(sid, url)).status_code == 200
    send = sender(container, twilio, attempts=3, token="not-the-token" if case == "wrong token"
                  else TOKEN)  # fmt: skip
    dead = 0
    for _ in range(4):
        dead += deliver_due(container.uow(), clock, {"voicemail_audio": send}).dead
        clock.advance(timedelta(hours=1))
    assert dead == 1
    (row,) = rows(container, sid)
    assert row.failed_at is not None and expected in (row.last_error or "")
    ticket_id = ticket_of(container, sid)
    assert list_attachments(container.uow(), clock, SYSTEM, ticket_id) == []
    messages = get_ticket(container.uow(), clock, SYSTEM, ticket_id).messages
    notes = [m.body for m in messages if "could not be copied" in m.body]
    assert len(notes) == 1 and expected in notes[0] and url in notes[0]
    assert notes[0] != messages[0].body and url in messages[0].body  # the link stays


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"RecordingUrl": "http://127.0.0.1/recording"}, "not an https URL"),
        ({"AccountSid": "AC-not-an-id"}, "AccountSid"),
        ({"AccountSid": "CA" + "2" * 32}, "not an account id"),
        ({"RecordingSid": "RE123"}, "RecordingSid"),
    ],
)
def test_bad_recording_callbacks_are_refused_and_queue_nothing(
    container: Container, http: httpx.Client, twilio: TwilioStandIn, change: dict[str, str],
    detail: str,
) -> None:  # fmt: skip
    sid = "RE" + "c" * 32
    fields = {**recording(sid, twilio.recording_url(sid)), **change}
    r = post(http, fields)
    assert r.status_code == 400 and detail in r.json()["detail"], r.text
    assert post(http, recording(sid, twilio.recording_url(sid)), signed=False).status_code == 403
    assert rows(container, sid) == []
