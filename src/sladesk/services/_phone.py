"""The phone channel's use cases (Twilio's voice webhooks, read by
``sladesk.channels.phone``): a call, a voicemail, a voicemail's transcription. Each is
**one transaction**, committed before the webhook is answered, and keyed by the
provider's id as a message's ``(channel, external_id)`` (``phone``, ``call:CA…``,
``recording:RE…``, ``transcription:RE…``): the same request delivered twice is found and
stored once, and a twin racing it loses on the unique key (``WriteConflict``) and is
answered as the duplicate it is.

- **During business hours** (the policy's calendar, ``business`` unless told): the call is
  logged on the caller's newest open ticket (a contact found by ``contacts.phone``), else on
  a new ticket of channel ``phone``, as an internal note asking the agent who takes it to
  write the call's summary (``log_call``).
- **Out of hours** the caller reaches voicemail: nothing is filed for the call itself; the
  recording (its URL and duration) becomes a new ticket, and its transcription, when the
  provider sends one (later, on its own callback), a note on that ticket. The audio itself
  is copied later, by the jobs, never in the webhook's request: the same transaction
  queues a ``voicemail_audio`` outbox row (keyed by the RecordingSid) whose sender fetches
  the recording and stores it with :func:`store_voicemail_audio` as an attachment of the
  voicemail's message; when it cannot for good, :func:`voicemail_audio_failed` says so in
  an internal note, and the provider's URL (in the message) stays the way to the audio.
- **A call to the on-call number** files or finds the ticket and pages whoever is on call
  (``page_in``, source ``phone``, with the caller's number), at any hour. Only tickets
  whose rule pages on-call can be paged: the caller's open ticket when it is covered, else
  a new one filed as ``on_call_ticket`` says (Aivo: a blocker incident on an Aivo-built
  integration); a ticket that still is not covered keeps a note saying why nobody was paged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from sladesk.policy import Policy
from sladesk.services._attachments import attach_file
from sladesk.services._dtos import NewTicket
from sladesk.services._paging import page_in
from sladesk.services._ticket_create import file_ticket
from sladesk.services._tickets_write import write_note
from sladesk.services.clock import Clock
from sladesk.store import (
    OnCallRepository,
    PhoneCaller,
    PhoneRepository,
    UnitOfWork,
    WriteConflict,
)
from sladesk.tickets import Actor, Forbidden, InvalidRequest, NotFound, Scope, TicketRuleError

__all__ = [
    "CallOutcome",
    "InboundCall",
    "InboundTranscription",
    "InboundVoicemail",
    "OnCallTicket",
    "receive_call",
    "receive_transcription",
    "receive_voicemail",
    "store_voicemail_audio",
    "voicemail_audio_failed",
]

CHANNEL = "phone"
PHONE_ACTOR = "phone"
#: the outbox kind that copies a voicemail's audio (``channels/phone/recordings.py``)
VOICEMAIL_AUDIO = "voicemail_audio"


@dataclass(frozen=True, slots=True)
class InboundCall:
    call_sid: str
    caller: str  # the caller's number as the provider sent it
    called: str  # our number they dialled
    caller_name: str = ""


@dataclass(frozen=True, slots=True)
class InboundVoicemail:
    call_sid: str
    recording_sid: str
    url: str  # where the provider keeps the audio (https)
    duration: int  # seconds
    caller: str = ""
    account_sid: str = ""  # the provider's account (the user name its media is fetched as)


@dataclass(frozen=True, slots=True)
class InboundTranscription:
    recording_sid: str
    status: str  # completed | failed
    text: str


@dataclass(frozen=True, slots=True)
class OnCallTicket:
    """How a call to the on-call number is filed when the caller has no covered open ticket
    (the policy's on-call rule must match it for anyone to be paged)."""

    type: str = "incident"
    priority: str = "blocker"
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What a call event became. ``kind``: ``logged`` (during hours), ``voicemail`` (out of
    hours: record a message), ``on_call``, ``recording``, ``transcription``."""

    kind: str
    duplicate: bool = False
    ticket_id: int | None = None
    ticket_number: int | None = None
    locale: str = "en"  # the caller's language when known (the TwiML speaks it)
    paged: bool = False
    not_paged: str = ""  # why nobody was paged (the ticket's rule does not page on-call...)


def _same_number(a: str, b: str) -> bool:
    def norm(x: str) -> str:
        return "".join(ch for ch in x if ch.isdigit() or ch == "+")

    return bool(norm(a)) and norm(a) == norm(b)


def _in_hours(policy: Policy | None, calendar: str | None, now: datetime) -> bool:
    """Open on the policy's ``calendar`` (``business`` when it has one, else its first);
    always open without a policy or calendars."""
    if policy is None or not policy.calendars:
        return True
    name = calendar or ("business" if "business" in policy.calendars else None)
    if name is None:
        name = next(iter(policy.calendars))
    if name not in policy.calendars:
        raise InvalidRequest(f"the policy has no calendar {name!r} for the phone's hours "
                             f"(it has {', '.join(sorted(policy.calendars))})",
                             field="phone_calendar")  # fmt: skip
    return policy.calendars[name].is_open(now)


def _policy(uow: UnitOfWork) -> Policy | None:
    current = uow.policies.current_id()
    return None if current is None else uow.policies.parsed(current)


def _who(caller: PhoneCaller | None, number: str, name: str) -> str:
    if caller is not None:
        return f"{caller.name} ({number})"
    return f"{name} ({number})" if name else (number or "a withheld number")


def _file(
    uow: UnitOfWork, now: datetime, caller: PhoneCaller | None, subject: str, body: str,
    spec: OnCallTicket | None = None,
) -> tuple[int, int, int]:  # fmt: skip
    """A new ticket of channel ``phone``: the caller's (a known contact files it), else one
    the phone channel files without a requester."""
    actor = Actor.system(PHONE_ACTOR)
    if caller is not None:
        actor = Actor.contact(caller.contact_id, caller.organization_id, name=caller.name,
                              email=caller.email)  # fmt: skip
    new = NewTicket(subject=subject, body=body, channel=CHANNEL)
    if spec is not None:
        new = NewTicket(subject=subject, body=body, channel=CHANNEL, type=spec.type,
                        priority=spec.priority, attributes=dict(spec.attributes))  # fmt: skip
    view = file_ticket(uow, actor, new, now)
    return view.id, view.number, view.messages[0].id


def _open_ticket(uow: UnitOfWork, caller: PhoneCaller | None) -> tuple[int, int] | None:
    if caller is None:
        return None
    found = uow.gateway.find(Scope.all_organizations(), requester_id=caller.contact_id,
                             open_only=True)  # fmt: skip
    if not found:
        return None
    newest = max(found, key=lambda t: t.id)
    return newest.id, newest.number


def _duplicate(uow: UnitOfWork, kind: str, external_id: str, locale: str) -> CallOutcome | None:
    ticket_id = PhoneRepository(uow.db).ticket_of(CHANNEL, external_id)
    if ticket_id is None:
        return None
    ticket = uow.gateway.load(ticket_id, Scope.all_organizations())
    return CallOutcome(kind, True, ticket.id, ticket.number, locale)


def _once(
    uow: UnitOfWork, run: Callable[[UnitOfWork], CallOutcome], kind: str, external_id: str
) -> CallOutcome:
    """Run ``run(uow)`` in one transaction; a twin that committed the same id first makes
    this one the duplicate (its writes are rolled back)."""
    try:
        with uow:
            outcome = run(uow)
            uow.commit()
            return outcome
    except WriteConflict:
        with uow.read_only():
            found = _duplicate(uow, kind, external_id, "en")
        if found is None:
            raise
        return found


def receive_call(
    uow: UnitOfWork,
    clock: Clock,
    call: InboundCall,
    *,
    on_call_number: str | None = None,
    calendar: str | None = None,
    on_call_ticket: OnCallTicket | None = None,
) -> CallOutcome:
    """A call coming in (the voice webhook). ``on_call_number``: our number that pages
    on-call (else the policy's ``on_call.phone`` when it is a number)."""
    now = clock.now()
    external_id = f"call:{call.call_sid}"

    def run(u: UnitOfWork) -> CallOutcome:
        caller = PhoneRepository(u.db).caller(call.caller) if call.caller else None
        locale = caller.locale if caller is not None else "en"
        policy = _policy(u)
        oncall = on_call_number or (policy.on_call.phone if policy and policy.on_call else None)
        to_on_call = bool(oncall) and _same_number(call.called, oncall or "")
        known = _duplicate(u, "on_call" if to_on_call else "logged", external_id, locale)
        if known is not None:  # a retry: answered as the first time
            if to_on_call and known.ticket_id is not None:
                paged = bool(OnCallRepository(u.db).pages_of(known.ticket_id))
                return replace(known, paged=paged, not_paged="" if paged else "not paged")
            return known
        who = _who(caller, call.caller, call.caller_name)
        if to_on_call:
            return _on_call(u, now, call, caller, who, locale, external_id,
                            on_call_ticket or OnCallTicket())  # fmt: skip
        if not _in_hours(policy, calendar, now):
            return CallOutcome("voicemail", locale=locale)
        found = _open_ticket(u, caller)
        if found is None:
            found = _file(u, now, caller, f"Phone call from {who}",
                          f"{who} called on {now:%Y-%m-%d %H:%M} UTC.")[:2]  # fmt: skip
        write_note(u, now, Actor.system(PHONE_ACTOR), found[0],
                   f"Incoming call from {who} to {call.called} (call {call.call_sid}). "
                   "The agent who takes it writes the call's summary (Log call).",
                   channel=CHANNEL, external_id=external_id)  # fmt: skip
        return CallOutcome("logged", False, found[0], found[1], locale)

    return _once(uow, run, "logged", external_id)


def _page(u: UnitOfWork, now: datetime, ticket_id: int, caller: str) -> str:
    """'' when paged; else why not (refusals raise before anything is written)."""
    try:
        page_in(u, now, Actor.system(PHONE_ACTOR), ticket_id, source="phone", caller=caller)
    except (Forbidden, TicketRuleError, InvalidRequest, NotFound) as exc:
        return str(exc)
    return ""


def _on_call(
    u: UnitOfWork, now: datetime, call: InboundCall, caller: PhoneCaller | None, who: str,
    locale: str, external_id: str, spec: OnCallTicket,
) -> CallOutcome:  # fmt: skip
    number = call.caller or "withheld"
    found = _open_ticket(u, caller)
    why = _page(u, now, found[0], number) if found is not None else "no open ticket"
    if found is None or why:  # not covered (or none open): a new ticket filed to be covered
        found = _file(
            u, now, caller, f"On-call call from {who}",
            f"{who} called the on-call number on {now:%Y-%m-%d %H:%M} UTC.",
            spec,
        )[:2]  # fmt: skip
        why = _page(u, now, found[0], number)
    text = f"Call to the on-call number from {who} (call {call.call_sid}): " + (
        "whoever is on call was paged." if not why else f"nobody was paged: {why}"
    )
    write_note(u, now, Actor.system(PHONE_ACTOR), found[0], text, channel=CHANNEL,
               external_id=external_id)  # fmt: skip
    return CallOutcome("on_call", False, found[0], found[1], locale, paged=not why, not_paged=why)


def receive_voicemail(uow: UnitOfWork, clock: Clock, vm: InboundVoicemail) -> CallOutcome:
    """A voicemail left out of hours: a new ticket of channel ``phone`` with the recording's
    URL and duration, and (same transaction) the outbox row that copies the audio."""
    now = clock.now()
    external_id = f"recording:{vm.recording_sid}"

    def run(u: UnitOfWork) -> CallOutcome:
        caller = PhoneRepository(u.db).caller(vm.caller) if vm.caller else None
        locale = caller.locale if caller is not None else "en"
        known = _duplicate(u, "recording", external_id, locale)
        if known is not None:
            return known
        who = _who(caller, vm.caller, "")
        length = f"{vm.duration // 60}:{vm.duration % 60:02d}"
        ticket_id, number, message_id = _file(
            u, now, caller, f"Voicemail from {who} ({length})",
            f"{who} left a voicemail ({length}) on {now:%Y-%m-%d %H:%M} UTC, out of hours.\n\n"
            f"Recording: {vm.url}",
        )  # fmt: skip
        write_note(u, now, Actor.system(PHONE_ACTOR), ticket_id,
                   f"Voicemail recording {vm.recording_sid} of call {vm.call_sid}: {vm.url} "
                   f"({vm.duration} s). Its audio is copied here as an attachment shortly; "
                   "the transcription follows here when the provider sends one.",
                   channel=CHANNEL, external_id=external_id)  # fmt: skip
        payload = {"ticket": {"id": ticket_id}, "message_id": message_id,
                   "recording_sid": vm.recording_sid, "url": vm.url,
                   "account_sid": vm.account_sid}  # fmt: skip
        key = f"{VOICEMAIL_AUDIO}:{vm.recording_sid}"
        u.gateway.record_effects([], [(VOICEMAIL_AUDIO, key, payload)], now)
        return CallOutcome("recording", False, ticket_id, number, locale)

    return _once(uow, run, "recording", external_id)


_EXTENSIONS = {"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/x-wav": "wav",
               "audio/wave": "wav", "audio/ogg": "ogg"}  # fmt: skip


def _audio_name(recording_sid: str, content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    extension = _EXTENSIONS.get(kind, "bin")
    return f"voicemail-{recording_sid}.{extension}"


def store_voicemail_audio(
    uow: UnitOfWork, clock: Clock, recording_sid: str, content: bytes, content_type: str,
    *, message_id: int | None = None,
) -> bool:  # fmt: skip
    """Attach a voicemail's audio to the voicemail's message ``message_id`` (the outbox
    row names it; else the ticket) in one transaction; False when it is attached already
    (a second delivery of the outbox row) or the voicemail is gone (purged). The size
    limit is the fetcher's to enforce."""
    now = clock.now()
    name = _audio_name(recording_sid, content_type)
    with uow:
        ticket_id = PhoneRepository(uow.db).ticket_of(CHANNEL, f"recording:{recording_sid}")
        if ticket_id is None:
            return False
        files = uow.attachments.for_ticket(Scope.all_organizations(), ticket_id,
                                           include_internal=True)  # fmt: skip
        if any(a.filename == name for a in files):
            return False
        try:
            attach_file(uow, now, Actor.system(PHONE_ACTOR), ticket_id, filename=name,
                        content_type=content_type, content=content,
                        message_id=message_id)  # fmt: skip
        except (InvalidRequest, TicketRuleError):  # empty audio; a closed ticket
            return False
        uow.commit()
    return True


def voicemail_audio_failed(uow: UnitOfWork, clock: Clock, recording_sid: str, url: str,
                           reason: str) -> None:  # fmt: skip
    """The audio will not be copied: an internal note says why, and that it stays at the
    provider's ``url`` (once: keyed by the RecordingSid)."""
    now = clock.now()
    external_id = f"audio-failed:{recording_sid}"
    try:
        with uow:
            repo = PhoneRepository(uow.db)
            ticket_id = repo.ticket_of(CHANNEL, f"recording:{recording_sid}")
            if ticket_id is None or repo.ticket_of(CHANNEL, external_id) is not None:
                return
            try:
                write_note(uow, now, Actor.system(PHONE_ACTOR), ticket_id,
                           f"The voicemail's audio could not be copied into sladesk ({reason}): "
                           f"listen to it at the provider, {url}",
                           channel=CHANNEL, external_id=external_id)  # fmt: skip
            except (NotFound, TicketRuleError):
                return
            uow.commit()
    except WriteConflict:  # a twin wrote it first
        return


def receive_transcription(uow: UnitOfWork, clock: Clock, t: InboundTranscription) -> CallOutcome:
    """A voicemail's transcription (it may come minutes after the recording): a note on the
    voicemail's ticket. :class:`NotFound` when the recording is not known (yet)."""
    now = clock.now()
    external_id = f"transcription:{t.recording_sid}"

    def run(u: UnitOfWork) -> CallOutcome:
        known = _duplicate(u, "transcription", external_id, "en")
        if known is not None:
            return known
        ticket_id = PhoneRepository(u.db).ticket_of(CHANNEL, f"recording:{t.recording_sid}")
        if ticket_id is None:
            raise NotFound("voicemail recording", t.recording_sid)
        text = (f"Transcription of the voicemail:\n\n{t.text}" if t.status == "completed"
                and t.text else "The provider could not transcribe the voicemail: listen to "
                "the recording.")  # fmt: skip
        view = write_note(u, now, Actor.system(PHONE_ACTOR), ticket_id, text,
                          channel=CHANNEL, external_id=external_id)  # fmt: skip
        return CallOutcome("transcription", False, view.id, view.number)

    return _once(uow, run, "transcription", external_id)
