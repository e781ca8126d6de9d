"""The phone channel over real HTTP (uvicorn on loopback), on SQLite and PostgreSQL, with
Aivo's policy: a stand-in for Twilio posts its voice webhooks form-encoded and signed as
Twilio documents (HMAC-SHA1 of the full URL + the sorted fields, base64, the auth token),
computed here independently of sladesk's own code. Unsigned, badly signed and re-addressed
requests are refused and store nothing; a call in hours is put through and logged once
however often it is delivered; out of hours the voicemail and its transcription become a
ticket; a call to the on-call number pages whoever is on call."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import sqlalchemy as sa

from sladesk import services
from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.services import Actor, FixedClock, NewAgent, NewContact, NewOrganization, Role

AIVO = Path(__file__).resolve().parents[3] / "examples" / "policies" / "aivo.yaml"
TOKEN = "twilio-auth-token-for-tests"
ONCALL = "+541140009999"
DESK = "+541140000000"
AGENTS = "+541140001111"
CARLA = "+5491155550001"
IN_HOURS = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # Tuesday 11:00 in Buenos Aires
OUT_OF_HOURS = datetime(2026, 3, 14, 14, 0, tzinfo=UTC)  # Saturday


@pytest.fixture(scope="module")
def container(database: Any, clock: FixedClock) -> Iterator[Container]:
    settings = Settings(
        database_url=database.url, jobs_in_process=False, migrate_on_start=True,
        phone_auth_token=TOKEN, phone_oncall_number=ONCALL, phone_agents_number=AGENTS,
        phone_oncall_attributes="integration=vendor_built",
    )  # fmt: skip
    c = bootstrap(settings, clock=clock, engine=database.engine())
    try:
        yield c
    finally:
        c.dispose()


@pytest.fixture(scope="module")
def people(container: Container) -> dict[str, Any]:
    c, clock, system = container, container.clock, Actor.system("phone-tests")
    admin = services.create_agent(c.uow(), clock, system,
                                  NewAgent("admin@aivo.example", "Ada", "admin"))  # fmt: skip
    admin_actor = Actor.agent(admin.id, Role.ADMIN)
    services.publish_policy(c.uow(), clock, admin_actor, AIVO.read_text(), source="aivo.yaml")
    agents = [services.create_agent(c.uow(), clock, system,
                                    NewAgent(f"{n}@aivo.example", n.title()))
              for n in ("uno", "dos")]  # fmt: skip
    services.set_on_call_members(c.uow(), clock, admin_actor, "primary",
                                 [a.id for a in agents])  # fmt: skip
    org = services.create_organization(c.uow(), clock, admin_actor, NewOrganization(
        "Banco", "banco", plan="standard", addons=("integrations_24x7",), locale="es"))  # fmt: skip
    carla = NewContact(org.id, "cto@banco.example", "Carla", phone=CARLA)
    services.create_contact(c.uow(), clock, admin_actor, carla)
    token = services.create_api_token(c.uow(), clock, system, name="admin",
                                      agent_id=admin.id).secret  # fmt: skip
    return {"admin": {"Authorization": f"Bearer {token}"}, "agents": [a.id for a in agents],
            "org": org.id}  # fmt: skip


class TwilioStandIn:
    """Posts as Twilio does: form fields, ``X-Twilio-Signature`` over the URL it requests."""

    def __init__(self, http: httpx.Client, token: str = TOKEN) -> None:
        self.http, self.token = http, token

    def sign(self, url: str, fields: dict[str, str]) -> str:
        data = url + "".join(k + fields[k] for k in sorted(fields))
        mac = hmac.new(self.token.encode(), data.encode(), hashlib.sha1).digest()
        return base64.b64encode(mac).decode()

    def post(self, path: str, fields: dict[str, str], *, signature: str | None = "sign",
             signed_url: str | None = None) -> httpx.Response:  # fmt: skip
        url = f"{self.http.base_url}".rstrip("/") + path
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            headers["X-Twilio-Signature"] = self.sign(signed_url or url, fields)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.http.post(path, content=urlencode(fields), headers=headers)


def _call(sid: str, caller: str = CARLA, to: str = DESK) -> dict[str, str]:
    return {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": caller, "To": to,
            "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip


def _phone_rows(container: Container) -> int:
    with container.engine.connect() as conn:
        query = sa.text("SELECT count(*) FROM messages WHERE channel = 'phone'")
        return int(conn.execute(query).scalar_one())


@pytest.fixture(scope="module")
def twilio(http: httpx.Client) -> TwilioStandIn:
    return TwilioStandIn(http)


def test_unsigned_or_badly_signed_requests_are_refused_and_store_nothing(
    container: Container, twilio: TwilioStandIn, people: dict[str, Any]
) -> None:
    container.clock.set(IN_HOURS)  # type: ignore[attr-defined]
    fields = _call("CA" + "a" * 32)
    wrong_token = TwilioStandIn(twilio.http, "another-token")
    for r in (
        twilio.post("/channels/phone/voice", fields, signature=None),
        twilio.post("/channels/phone/voice", fields, signature="garbage"),
        wrong_token.post("/channels/phone/voice", fields),
        # signed for another URL (a replay to another endpoint)
        twilio.post("/channels/phone/voice", fields,
                    signed_url=f"{twilio.http.base_url}".rstrip("/") + "/channels/phone/recording"),
        twilio.post("/channels/phone/recording", {**fields, "RecordingSid": "RE" + "a" * 32,
                    "RecordingUrl": "https://api.twilio.com/x"}, signature=None),
    ):  # fmt: skip
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == "application/problem+json"
    # a field changed after signing
    signed = twilio.sign(f"{twilio.http.base_url}".rstrip("/") + "/channels/phone/voice", fields)
    tampered = urlencode({**fields, "From": "+15550000000"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signed}
    r = twilio.http.post("/channels/phone/voice", content=tampered, headers=headers)
    assert r.status_code == 403 and "does not match" in r.json()["detail"]
    assert _phone_rows(container) == 0


def test_a_call_in_hours_is_put_through_and_logged_once(
    container: Container, http: httpx.Client, twilio: TwilioStandIn, people: dict[str, Any]
) -> None:
    container.clock.set(IN_HOURS)  # type: ignore[attr-defined]
    before = _phone_rows(container)
    fields = _call("CA" + "b" * 32)
    first = twilio.post("/channels/phone/voice", fields)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("application/xml")
    assert f"<Dial>{AGENTS}</Dial>" in first.text
    assert 'language="es-MX"' in first.text and "Gracias por llamar" in first.text
    again = twilio.post("/channels/phone/voice", fields)  # Twilio retries
    assert again.status_code == 200 and again.text == first.text
    assert _phone_rows(container) == before + 1
    tickets = http.get("/api/v1/tickets", headers=people["admin"]).json()
    items = tickets["items"] if isinstance(tickets, dict) else tickets
    phone = [t for t in items if t["channel"] == "phone"]
    assert len(phone) == 1 and "Carla" in phone[0]["subject"]


def test_out_of_hours_the_voicemail_and_its_transcription_become_a_ticket(
    container: Container, http: httpx.Client, twilio: TwilioStandIn, people: dict[str, Any]
) -> None:
    container.clock.set(OUT_OF_HOURS)  # type: ignore[attr-defined]
    call = _call("CA" + "c" * 32, caller="+15557654321")
    r = twilio.post("/channels/phone/voice", call)
    assert r.status_code == 200 and "<Record " in r.text and 'transcribe="true"' in r.text
    assert 'action="/channels/phone/recording"' in r.text and 'language="en-US"' in r.text
    audio = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "c" * 32
    rec = {**call, "CallStatus": "completed", "RecordingSid": "RE" + "c" * 32,
           "RecordingUrl": audio, "RecordingDuration": "42", "Digits": "hangup"}  # fmt: skip
    r = twilio.post("/channels/phone/recording", rec)
    assert r.status_code == 200 and "ticket" in r.text, r.text
    assert twilio.post("/channels/phone/recording", rec).status_code == 200  # retried
    tr = {"CallSid": call["CallSid"], "AccountSid": call["AccountSid"],
          "RecordingSid": "RE" + "c" * 32, "RecordingUrl": audio, "TranscriptionSid": "TR1",
          "TranscriptionStatus": "completed",
          "TranscriptionText": "Hi, the checkout bot is down since noon."}  # fmt: skip
    done = twilio.post("/channels/phone/transcription", tr)
    assert done.status_code == 200 and done.json()["duplicate"] is False, done.text
    assert twilio.post("/channels/phone/transcription", tr).json()["duplicate"] is True
    number = done.json()["ticket_number"]
    items = http.get("/api/v1/tickets", headers=people["admin"]).json()
    items = items["items"] if isinstance(items, dict) else items
    (t,) = [t for t in items if t["number"] == number]
    assert t["channel"] == "phone" and "Voicemail" in t["subject"] and "0:42" in t["subject"]
    full = http.get(f"/api/v1/tickets/{t['id']}", headers=people["admin"]).json()
    bodies = [m["body"] for m in full["messages"]]
    assert any(audio in b for b in bodies)
    assert "the checkout bot is down since noon" in bodies[-1]
    unknown = {**tr, "RecordingSid": "RE" + "d" * 32}
    assert twilio.post("/channels/phone/transcription", unknown).status_code == 404


def test_a_call_to_the_on_call_number_pages_whoever_is_on_call(
    container: Container, http: httpx.Client, twilio: TwilioStandIn, people: dict[str, Any]
) -> None:
    container.clock.set(OUT_OF_HOURS)  # type: ignore[attr-defined]
    r = twilio.post("/channels/phone/voice", _call("CA" + "e" * 32, to=ONCALL))
    assert r.status_code == 200, r.text
    assert "guardia" in r.text and "<Record" not in r.text
    pages = http.get("/api/v1/oncall/pages", headers=people["admin"])
    assert pages.status_code == 200, pages.text
    body = pages.json()
    items = body["items"] if isinstance(body, dict) else body
    assert len(items) == 1 and items[0]["agent_id"] in people["agents"]
    retried = twilio.post("/channels/phone/voice", _call("CA" + "e" * 32, to=ONCALL))
    assert retried.text == r.text  # answered as the first time, paged once
    again = http.get("/api/v1/oncall/pages", headers=people["admin"]).json()
    assert len(again["items"] if isinstance(again, dict) else again) == 1


def test_contacts_get_their_number_through_the_api_and_a_bad_one_says_where(
    http: httpx.Client, twilio: TwilioStandIn, people: dict[str, Any], container: Container
) -> None:
    container.clock.set(IN_HOURS)  # type: ignore[attr-defined]
    bad = http.post("/api/v1/contacts", headers=people["admin"], json={
        "organization_id": people["org"], "email": "ops@banco.example", "name": "Ops",
        "phone": "011 4000"})  # fmt: skip
    assert bad.status_code == 422 and "international phone number" in bad.text, bad.text
    made = http.post("/api/v1/contacts", headers=people["admin"], json={
        "organization_id": people["org"], "email": "ops@banco.example", "name": "Ops",
        "phone": "+54 9 11 5555-0002"})  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["phone"] == "+5491155550002"
    moved = http.patch(f"/api/v1/contacts/{made.json()['id']}", headers=people["admin"],
                       json={"phone": "+54 9 11 5555-0003"})  # fmt: skip
    assert moved.status_code == 200 and moved.json()["phone"] == "+5491155550003", moved.text
    wrong = http.patch(f"/api/v1/contacts/{made.json()['id']}", headers=people["admin"],
                       json={"phone": "call me"})  # fmt: skip
    assert wrong.status_code == 422 and "phone" in wrong.text
    r = twilio.post("/channels/phone/voice", _call("CA" + "f" * 32, caller="+5491155550003"))
    assert r.status_code == 200 and "Gracias" in r.text  # the organisation's language
