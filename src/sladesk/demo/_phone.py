"""The demo's phone calls (docs/channels.md): a known customer called in business hours (the
call logged on a ticket, and the agent who took it wrote the summary), and another left a
voicemail out of hours, which became a ticket with its recording (the audio attached, as
the ``voicemail_audio`` job stores it: here a short tone made on the spot, the demo having
no Twilio account) and, later, its transcription — through the same services the Twilio
webhooks and jobs call."""

from __future__ import annotations

import io
import math
import struct
import wave
from datetime import datetime, timedelta

from sladesk.demo._people import Cast
from sladesk.policy import Policy
from sladesk.services import (
    Actor,
    FixedClock,
    InboundCall,
    InboundTranscription,
    InboundVoicemail,
    get_ticket,
    log_call,
    receive_call,
    receive_transcription,
    receive_voicemail,
    store_voicemail_audio,
)
from sladesk.store import UnitOfWork

_DESK = "+541140000000"


def _last(policy: Policy, now: datetime, open_: bool) -> datetime | None:
    """The latest half hour in the last week when the answered hours were ``open_``."""
    calendar = policy.calendars.get("business") or next(iter(policy.calendars.values()), None)
    at = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    for _ in range(7 * 48):
        if calendar is None or calendar.is_open(at) == open_:
            return at
        at -= timedelta(minutes=30)
    return None


def stage_phone(
    uow: UnitOfWork, clock: FixedClock, policy: Policy, cast: Cast, responder: Actor,
    now: datetime,
) -> int:  # fmt: skip
    """The calls; the clock is left at ``now``. Returns how many tickets they touched."""
    callers = [c for contacts in cast.contacts.values() for c in contacts if c.phone]
    if len(callers) < 2 or "phone" not in policy.channels:
        return 0
    touched = 0
    in_hours = _last(policy, now, True)
    if in_hours is not None:
        clock.set(in_hours)
        call = receive_call(uow, clock, InboundCall("CA" + "d" * 31 + "1", callers[0].phone or "",
                                                    _DESK))  # fmt: skip
        if call.ticket_id is not None:
            clock.set(in_hours + timedelta(minutes=9))
            log_call(uow, clock, responder, call.ticket_id,
                     "Walked through the export settings together; the report runs again. "
                     "We agreed to check tomorrow's run.")  # fmt: skip
            touched += 1
    out = _last(policy, now, False)
    if out is not None:
        clock.set(out)
        sid, rec = "CA" + "d" * 31 + "2", "RE" + "d" * 31 + "2"
        receive_call(uow, clock, InboundCall(sid, callers[1].phone or "", _DESK))
        url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{rec}"
        clock.set(out + timedelta(minutes=1))
        vm = receive_voicemail(
            uow, clock, InboundVoicemail(sid, rec, url, 38, callers[1].phone or "")
        )
        clock.set(out + timedelta(minutes=2))
        store_voicemail_audio(uow, clock, rec, _tone(), "audio/x-wav",
                              message_id=_first_message(uow, clock, vm.ticket_id))  # fmt: skip
        clock.set(out + timedelta(minutes=3))
        receive_transcription(uow, clock, InboundTranscription(
            rec, "completed", "Hi, it's about the invoice portal: it will not let us log in "
            "since this evening. Please call me back tomorrow morning."))  # fmt: skip
        touched += vm.ticket_id is not None
    clock.set(now)
    return touched


def _first_message(uow: UnitOfWork, clock: FixedClock, ticket_id: int | None) -> int | None:
    if ticket_id is None:
        return None
    return get_ticket(uow, clock, Actor.system("demo"), ticket_id).messages[0].id


def _tone(seconds: float = 1.5, rate: int = 8000) -> bytes:
    """A short 440 Hz tone as an 8 kHz mono WAV (what a telephony recording sounds like)."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()
