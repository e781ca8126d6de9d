"""The phone channel's use cases on SQLite and PostgreSQL, with Aivo's policy (business
hours Mon-Fri 9-18 Buenos Aires; a 24x7 on-call for blocker/high incidents on Aivo-built
integrations): a call in hours is logged on the caller's open ticket or a new one, out of
hours it goes to voicemail and the recording (then its transcription) becomes a ticket, a
call to the on-call number pages whoever is on call; every event stored once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from sladesk import services as s
from sladesk.services import (
    Actor,
    FixedClock,
    InboundCall,
    InboundTranscription,
    InboundVoicemail,
    InvalidRequest,
    NewAgent,
    NewContact,
    NewOrganization,
    NewTicket,
    NotFound,
    OnCallTicket,
)
from sladesk.store import UnitOfWork

AIVO = (Path(__file__).resolve().parents[2] / "examples/policies/aivo.yaml").read_text()
MONDAY_10_ART = datetime(2026, 3, 30, 13, 0, tzinfo=UTC)  # in business hours
SATURDAY = datetime(2026, 3, 28, 15, 0, tzinfo=UTC)  # out of hours
CARLA = "+5491155550001"
ONCALL = "+541140009999"
VENDOR_BUILT = OnCallTicket(attributes={"integration": "vendor_built"})
SELF_SERVICE = OnCallTicket(attributes={"integration": "self_service"})


@dataclass
class Desk:
    uow: UnitOfWork
    clock: FixedClock
    admin: Actor
    agents: list[Actor]
    carla: Actor  # a contact of an organisation with the 24x7 add-on, who calls from CARLA


@pytest.fixture
def desk(uow: UnitOfWork) -> Desk:
    clock = FixedClock(MONDAY_10_ART)
    root = Actor.system("test")
    a = s.create_agent(uow, clock, root, NewAgent("admin@aivo.test", "Ada Admin", role="admin"))
    admin = Actor.agent(a.id, "admin", name=a.name)
    s.publish_policy(uow, clock, admin, AIVO, source="aivo.yaml")
    agents = []
    for name in ("Uno", "Dos"):
        ag = s.create_agent(uow, clock, admin, NewAgent(f"{name.lower()}@aivo.test", name))
        agents.append(Actor.agent(ag.id, "agent", name=ag.name))
    s.set_on_call_members(uow, clock, admin, "primary", [x.id for x in agents])  # type: ignore[misc]
    org = s.create_organization(uow, clock, admin, NewOrganization(
        "Banco", "banco", plan="standard", addons=("integrations_24x7",), locale="es"))  # fmt: skip
    c = s.create_contact(uow, clock, admin, NewContact(org.id, "cto@banco.test", "Carla",
                                                       phone="+54 9 11 5555-0001"))  # fmt: skip
    return Desk(uow, clock, admin, agents, Actor.contact(c.id, org.id, name=c.name))


def _call(
    sid: str = "CA" + "1" * 32, caller: str = CARLA, called: str = "+541140000000"
) -> InboundCall:
    return InboundCall(call_sid=sid, caller=caller, called=called)


def _phone_messages(d: Desk) -> int:
    with d.uow.read_only():
        query = text("SELECT count(*) FROM messages WHERE channel = 'phone'")
        return int(d.uow.db.execute(query).scalar_one())


def test_a_call_in_hours_is_logged_on_the_callers_open_ticket_once(desk: Desk) -> None:
    d = desk
    open_ = s.create_ticket(d.uow, d.clock, d.carla, NewTicket(subject="Bot slow", body="slow"))
    first = s.receive_call(d.uow, d.clock, _call())
    assert (first.kind, first.ticket_id, first.duplicate, first.locale) == (
        "logged",
        open_.id,
        False,
        "es",
    )
    again = s.receive_call(d.uow, d.clock, _call())  # Twilio retries the same CallSid
    assert (again.duplicate, again.ticket_id) == (True, open_.id)
    assert _phone_messages(d) == 1
    view = s.get_ticket(d.uow, d.clock, d.agents[0], open_.id)
    note = view.messages[-1]
    assert not note.public and "call's summary" in note.body and CARLA in note.body


def test_a_stranger_calling_in_hours_gets_a_new_phone_ticket(desk: Desk) -> None:
    d = desk
    out = s.receive_call(d.uow, d.clock, _call(caller="+15550001111"))
    view = s.get_ticket(d.uow, d.clock, d.admin, out.ticket_id or 0)
    assert view.channel == "phone" and "+15550001111" in view.subject
    assert out.locale == "en"


def test_out_of_hours_a_voicemail_and_its_transcription_become_a_ticket(desk: Desk) -> None:
    d = desk
    d.clock.set(SATURDAY)
    assert s.receive_call(d.uow, d.clock, _call()).kind == "voicemail"
    assert _phone_messages(d) == 0  # nothing filed for the call itself
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE" + "2" * 32
    vm = InboundVoicemail("CA" + "1" * 32, "RE" + "2" * 32, url, 83, CARLA)
    rec = s.receive_voicemail(d.uow, d.clock, vm)
    assert rec.kind == "recording" and rec.ticket_id is not None
    assert s.receive_voicemail(d.uow, d.clock, vm).duplicate
    done = InboundTranscription("RE" + "2" * 32, "completed", "The bot is down since noon.")
    s.receive_transcription(d.uow, d.clock, done)
    assert s.receive_transcription(d.uow, d.clock, done).duplicate
    view = s.get_ticket(d.uow, d.clock, d.agents[0], rec.ticket_id)
    assert view.channel == "phone" and "1:23" in view.subject
    bodies = [m.body for m in view.messages]
    assert url in bodies[0] and any(url in b and "83 s" in b for b in bodies[1:])
    assert "The bot is down since noon." in bodies[-1]
    assert _phone_messages(d) == 2
    # Carla sees her voicemail ticket (she filed it by calling)
    assert s.get_ticket(d.uow, d.clock, d.carla, rec.ticket_id).id == rec.ticket_id


def test_a_transcription_of_an_unknown_recording_is_not_found(desk: Desk) -> None:
    unknown = InboundTranscription("RE" + "9" * 32, "completed", "hi")
    with pytest.raises(NotFound):
        s.receive_transcription(desk.uow, desk.clock, unknown)


def test_a_call_to_the_on_call_number_pages_whoever_is_on_call(desk: Desk) -> None:
    d = desk
    d.clock.set(SATURDAY)  # out of hours: the on-call number still pages
    out = s.receive_call(d.uow, d.clock, _call(called=ONCALL), on_call_number=ONCALL,
                         on_call_ticket=VENDOR_BUILT)  # fmt: skip
    assert (out.kind, out.paged, out.not_paged) == ("on_call", True, "")
    pages = s.list_pages(d.uow, d.clock, d.admin, ticket_id=out.ticket_id)
    assert len(pages) == 1 and pages[0].agent_id in {a.id for a in d.agents}
    view = s.get_ticket(d.uow, d.clock, d.admin, out.ticket_id or 0)
    assert view.sla is not None and view.sla.rule == "integrations_24x7"
    again = s.receive_call(d.uow, d.clock, _call(called=ONCALL), on_call_number=ONCALL,
                           on_call_ticket=VENDOR_BUILT)  # fmt: skip
    assert again.duplicate
    assert len(s.list_pages(d.uow, d.clock, d.admin, ticket_id=out.ticket_id)) == 1


def test_an_on_call_ticket_the_rule_does_not_cover_says_why_nobody_was_paged(desk: Desk) -> None:
    d = desk
    out = s.receive_call(d.uow, d.clock, _call(called=ONCALL), on_call_number=ONCALL,
                         on_call_ticket=SELF_SERVICE)  # fmt: skip
    assert out.kind == "on_call" and not out.paged and out.not_paged
    view = s.get_ticket(d.uow, d.clock, d.admin, out.ticket_id or 0)
    assert "nobody was paged" in view.messages[-1].body


def test_a_contact_phone_must_be_international(desk: Desk) -> None:
    with pytest.raises(InvalidRequest, match="international phone number") as err:
        s.create_contact(desk.uow, desk.clock, desk.admin,
                         NewContact(desk.carla.organization_id or 0, "x@banco.test", "X",
                                    phone="011 5555"))  # fmt: skip
    assert err.value.field == "phone"


def test_twin_deliveries_racing_store_the_call_once(desk: Desk, engine: Engine) -> None:
    """Six threads, each its own unit of work, deliver the same call of a stranger (each
    would file a new ticket) and the same voicemail at once: one ticket each, the others
    answered as duplicates of it (the unique (channel, external_id) decides)."""
    d = desk
    barrier = threading.Barrier(6)
    call = _call("CA" + "7" * 32, caller="+15550007777")

    def deliver(_: int) -> tuple[int | None, bool]:
        barrier.wait()
        out = s.receive_call(UnitOfWork(engine), d.clock, call)
        return out.ticket_id, out.duplicate

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(deliver, range(6)))
    assert len({t for t, _ in results}) == 1 and sum(not dup for _, dup in results) == 1
    d.clock.set(SATURDAY)
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE" + "7" * 32
    vm = InboundVoicemail("CA" + "8" * 32, "RE" + "7" * 32, url, 5, "+15550008888")

    def leave(_: int) -> tuple[int | None, bool]:
        barrier.wait()
        out = s.receive_voicemail(UnitOfWork(engine), d.clock, vm)
        return out.ticket_id, out.duplicate

    with ThreadPoolExecutor(6) as pool:
        left = list(pool.map(leave, range(6)))
    assert len({t for t, _ in left}) == 1 and sum(not dup for _, dup in left) == 1
    with d.uow.read_only():
        tickets = d.uow.db.execute(text("SELECT count(*) FROM tickets WHERE channel = 'phone'"))
        assert int(tickets.scalar_one()) == 2  # the rolled-back twins left no ticket behind
    assert _phone_messages(d) == 2


def test_a_contact_known_by_their_whatsapp_number_is_recognised_calling_from_it(
    desk: Desk,
) -> None:
    d = desk
    org = d.carla.organization_id or 0
    ana = s.create_contact(d.uow, d.clock, d.admin, NewContact(org, "ana@banco.test", "Ana"))
    with d.uow:  # as the WhatsApp channel records a number it has seen write
        seen = text(
            "INSERT INTO channel_addresses (channel, address, contact_id, name, created_at) "
            "VALUES ('whatsapp', '5491155550042', :c, 'Ana', :at)"
        )
        d.uow.db.execute(seen, {"c": ana.id, "at": d.clock.now()})
        d.uow.commit()
    out = s.receive_call(d.uow, d.clock, _call("CA" + "4" * 32, caller="+5491155550042"))
    view = s.get_ticket(d.uow, d.clock, d.admin, out.ticket_id or 0)
    assert view.requester_id == ana.id and out.locale == "es"
