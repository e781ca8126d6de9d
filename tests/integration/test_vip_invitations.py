"""A booked call's invitations through the outbox and our mail sender to aiosmtpd on
loopback: the customer and the dedicated agent each get one, in their language, with a
``text/calendar; method=REQUEST`` attachment that parses as iCalendar with the booked instant
(DTSTART with the agent's TZID, DTSTAMP in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import icalendar
from sqlalchemy import Engine
from test_mail_sender import deliver, sender_for, text_of
from vip_fixtures import Vip, vip

from mail_fixtures import Inbox, inbox
from sladesk import services as s

__all__ = ["inbox", "vip"]


def calendar_part(mail: EmailMessage) -> tuple[icalendar.Calendar, EmailMessage]:
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in mail.walk()]
    part = parts[0]
    assert isinstance(part, EmailMessage)
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"
    return icalendar.Calendar.from_ical(part.get_content()), part


def test_both_sides_receive_a_valid_invitation_at_the_booked_instant(
    vip: Vip, engine: Engine, inbox: Inbox
) -> None:
    d = vip.desk
    t = vip.file()
    friday_9_cet = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    call = s.book_call(d.uow, d.clock, vip.vera, t.id, friday_9_cet)
    delivered, retried, dead = deliver(d, sender_for(d, engine, inbox.port))
    assert dead == 0 and retried == 0 and delivered >= 2

    (to_vera,) = [m for m in inbox.to("vera@vipco.test")
                  if any(p.get_content_type() == "text/calendar" for p in m.walk())]  # fmt: skip
    (to_ana,) = [m for m in inbox.to("ana@desk.test")
                 if any(p.get_content_type() == "text/calendar" for p in m.walk())]  # fmt: skip
    # Vera reads Portuguese, in Lisbon (WET: 08:00); Ana gets it in her calendar's zone (CET)
    assert "Chamada agendada" in to_vera["Subject"] and "08:00 WET" in to_vera["Subject"]
    assert "com Ana" in text_of(to_vera) and "30 minutos" in text_of(to_vera)
    assert "09:00 CET" in to_ana["Subject"]
    for mail in (to_vera, to_ana):
        cal, _ = calendar_part(mail)
        assert str(cal["METHOD"]) == "REQUEST"
        (event,) = cal.walk("VEVENT")
        assert str(event["UID"]) == call.uid
        start = event.decoded("DTSTART")
        assert start == friday_9_cet and start.utcoffset() == timedelta(hours=1)
        assert event["DTSTART"].params["TZID"] == "CET"
        assert event.decoded("DTEND") == friday_9_cet + timedelta(minutes=30)
        assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
        assert [str(a) for a in event.get("ATTENDEE")] == [
            "mailto:ana@desk.test",
            "mailto:vera@vipco.test",
        ]
        assert str(event["ORGANIZER"]) == "mailto:ana@desk.test"
        assert [c["TZID"] for c in cal.walk("VTIMEZONE")] == ["CET"]
    # delivered again (a retry), nothing is sent twice
    before = len(inbox.received)
    deliver(d, sender_for(d, engine, inbox.port))
    assert len(inbox.received) == before


def test_the_dedicated_agent_is_mailed_a_check_in_reminder(
    vip: Vip, engine: Engine, inbox: Inbox
) -> None:
    from sladesk.jobs.sweep import sweep_due

    d = vip.desk
    t = vip.file("sev4")
    s.reply_publicly(d.uow, d.clock, vip.ana, t.id, "Looking into it")
    deliver(d, sender_for(d, engine, inbox.port))
    before = len(inbox.to("ana@desk.test"))
    # severity 4: an update every 3 business days (9-17 CET), the reminder at 75% of it
    d.clock.set(datetime(2026, 3, 31, 13, 0, tzinfo=UTC))
    sweep_due(d.uow, d.clock, limit=100)
    deliver(d, sender_for(d, engine, inbox.port))
    reminders = inbox.to("ana@desk.test")[before:]
    (mail,) = [m for m in reminders if "Hora de atualizar o cliente" in m["Subject"]]
    text = text_of(mail)
    assert f"#{t.number}" in text and "Envie-lhe uma atualização antes de" in text
    # the customer is not told anything by the reminder
    assert not [m for m in inbox.to("vera@vipco.test") if "atualizar" in m["Subject"]]
