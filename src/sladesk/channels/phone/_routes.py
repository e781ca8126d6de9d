"""The phone channel's webhooks, mounted by the app factory (Twilio's voice webhooks; any
provider sending the same fields and signing them the same way):

- ``POST /channels/phone/voice``: a call comes in. Answered with TwiML: during business
  hours "connecting you" and ``<Dial>`` to the agents' number (or, without one, that the
  call is logged and an agent calls back); out of hours a ``<Say>`` and ``<Record>`` with
  transcription (the recording comes to ``/recording``, its text to ``/transcription``);
  to the on-call number, that whoever is on call has been paged. In the caller's language
  when they are a known contact (English, Spanish, Portuguese).
- ``POST /channels/phone/recording``: ``<Record>``'s action: the voicemail becomes a ticket
  (its audio is copied by the jobs afterwards: ``recordings``; never in this request).
- ``POST /channels/phone/transcription``: the transcription, a note on that ticket.

Every request's ``X-Twilio-Signature`` is checked first, over the full URL Twilio
requested (``SLADESK_PHONE_PUBLIC_URL`` + path + query when a proxy is in front) and the
form fields, with the auth token (``SLADESK_PHONE_AUTH_TOKEN``): missing, malformed or
wrong is ``403``, logged with the caller's address, and nothing of the request is read.
Each event is stored (one transaction) before it is answered.
"""

from __future__ import annotations

import logging
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sladesk.channels.phone._webhook import (
    SIGNATURE_HEADER,
    WebhookRefused,
    check_signature,
    form_fields,
    parse_call,
    parse_recording,
    parse_transcription,
)
from sladesk.config import Settings
from sladesk.http import ServiceContainer
from sladesk.services import (
    CallOutcome,
    InboundCall,
    InboundTranscription,
    InboundVoicemail,
    NotFound,
    OnCallTicket,
    TicketRuleError,
    receive_call,
    receive_transcription,
    receive_voicemail,
)

__all__ = ["RECORDING_PATH", "TRANSCRIPTION_PATH", "VOICE_PATH", "phone_router", "twiml"]

log = logging.getLogger("sladesk.channels.phone")
VOICE_PATH = "/channels/phone/voice"
RECORDING_PATH = "/channels/phone/recording"
TRANSCRIPTION_PATH = "/channels/phone/transcription"
TWIML = "application/xml"

#: what the caller hears, by language (Twilio's <Say language>)
_VOICE = {"en": "en-US", "es": "es-MX", "pt": "pt-BR"}
_TEXT: dict[str, dict[str, str]] = {
    "connecting": {
        "en": "Thank you for calling. Connecting you to our support team.",
        "es": "Gracias por llamar. Le comunicamos con nuestro equipo de soporte.",
        "pt": "Obrigado por ligar. Estamos transferindo para a nossa equipe de suporte.",
    },
    "logged": {
        "en": "Thank you for calling. Your call is logged as ticket {n}: an agent will "
        "call you back shortly.",
        "es": "Gracias por llamar. Su llamada quedó registrada en el ticket {n}: un agente "
        "le devolverá la llamada en breve.",
        "pt": "Obrigado por ligar. Sua chamada foi registrada no ticket {n}: um atendente "
        "retornará a ligação em breve.",
    },
    "voicemail": {
        "en": "Our team is away right now. Please leave a message after the tone: it "
        "becomes a ticket and we will get back to you.",
        "es": "Nuestro equipo no está disponible ahora. Deje su mensaje después del tono: "
        "se convertirá en un ticket y le responderemos.",
        "pt": "Nossa equipe não está disponível agora. Deixe sua mensagem após o sinal: "
        "ela vira um ticket e retornaremos o contato.",
    },
    "recorded": {
        "en": "Thank you. Your message is recorded as ticket {n}. Goodbye.",
        "es": "Gracias. Su mensaje quedó registrado en el ticket {n}. Hasta luego.",
        "pt": "Obrigado. Sua mensagem foi registrada no ticket {n}. Até logo.",
    },
    "paged": {
        "en": "Thank you. The on-call engineer has been paged about ticket {n} and will "
        "call you back.",
        "es": "Gracias. Avisamos a la guardia sobre el ticket {n}: le devolverán la llamada.",
        "pt": "Obrigado. O plantão foi acionado sobre o ticket {n} e retornará a ligação.",
    },
    "not_paged": {
        "en": "Thank you. Your call is logged as ticket {n}; this ticket is not covered by "
        "the on-call service, so it will be answered in business hours.",
        "es": "Gracias. Su llamada quedó registrada en el ticket {n}; este ticket no está "
        "cubierto por la guardia y se atenderá en horario hábil.",
        "pt": "Obrigado. Sua chamada foi registrada no ticket {n}; este ticket não tem "
        "cobertura do plantão e será atendido em horário comercial.",
    },
}


def _say(key: str, locale: str, **params: object) -> str:
    lang = locale.split("-")[0].lower()
    lang = lang if lang in _VOICE else "en"
    text = _TEXT[key][lang].format(**params)
    return f"<Say language={quoteattr(_VOICE[lang])}>{escape(text)}</Say>"


def twiml(*verbs: str) -> Response:
    body = '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"
    return Response(body, media_type=TWIML)


def _problem(request: Request, status: int, detail: str) -> Response:
    """An RFC 9457 problem, as the API answers its refusals."""
    slugs = {400: ("invalid-request", "The request is not valid"),
             403: ("forbidden", "Not allowed"), 404: ("not-found", "Not found"),
             422: ("ticket-rule", "Not allowed by the ticket rules")}  # fmt: skip
    slug, title = slugs[status]
    doc = {"type": f"urn:sladesk:problem:{slug}", "title": title, "status": status,
           "detail": detail, "instance": request.url.path}  # fmt: skip
    return JSONResponse(doc, status_code=status, media_type="application/problem+json")


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def _signed_url(request: Request, settings: Settings) -> str:
    """The URL Twilio requested, as it signed it."""
    if not settings.phone_public_url:
        return str(request.url)
    query = request.url.query
    return settings.phone_public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


async def _verified(request: Request) -> list[tuple[str, str]] | Response:
    """The form fields of a request whose signature holds; else the 403 to answer."""
    settings: Settings = request.app.state.container.settings
    body = await request.body()
    header = request.headers.get(SIGNATURE_HEADER)
    who = request.client.host if request.client else "?"
    try:
        fields = form_fields(body)
        check_signature(_signed_url(request, settings), fields, header,
                        _secret(settings.phone_auth_token))  # fmt: skip
    except WebhookRefused as exc:
        log.warning("phone webhook %s refused from %s: %s", request.url.path, who, exc)
        return _problem(request, 403, str(exc))
    return fields


def _on_call_ticket(settings: Settings) -> OnCallTicket:
    pairs = [p.split("=", 1) for p in settings.phone_oncall_attributes.split(",") if "=" in p]
    return OnCallTicket(type=settings.phone_oncall_type, priority=settings.phone_oncall_priority,
                        attributes={k.strip(): v.strip() for k, v in pairs})  # fmt: skip


def _voice_answer(outcome: CallOutcome, settings: Settings) -> Response:
    loc, n = outcome.locale, outcome.ticket_number
    if outcome.kind == "on_call":
        return twiml(_say("paged" if outcome.paged else "not_paged", loc, n=n), "<Hangup/>")
    if outcome.kind == "voicemail":
        record = (f"<Record action={quoteattr(RECORDING_PATH)} method=\"POST\" maxLength=\"300\" "
                  f"playBeep=\"true\" transcribe=\"true\" "
                  f"transcribeCallback={quoteattr(TRANSCRIPTION_PATH)}/>")  # fmt: skip
        return twiml(_say("voicemail", loc), record, "<Hangup/>")
    if settings.phone_agents_number:
        dial = f"<Dial>{escape(settings.phone_agents_number)}</Dial>"
        return twiml(_say("connecting", loc), dial)
    return twiml(_say("logged", loc, n=n), "<Hangup/>")


def phone_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.post(VOICE_PATH)
    async def voice(request: Request) -> Response:
        fields = await _verified(request)
        if isinstance(fields, Response):
            return fields
        container: ServiceContainer = request.app.state.container
        settings = container.settings
        try:
            call = parse_call(fields)
        except WebhookRefused as exc:
            return _problem(request, 400, str(exc))
        inbound = InboundCall(call.call_sid, call.caller, call.called, call.caller_name)
        try:
            outcome = await run_in_threadpool(
                receive_call, container.uow(), container.clock, inbound,
                on_call_number=settings.phone_oncall_number, calendar=settings.phone_calendar,
                on_call_ticket=_on_call_ticket(settings),
            )  # fmt: skip
        except TicketRuleError as exc:  # the policy does not offer the phone channel...
            log.error("phone call %s not filed: %s", call.call_sid, exc)
            return _problem(request, 422, str(exc))
        return _voice_answer(outcome, settings)

    @router.post(RECORDING_PATH)
    async def recording(request: Request) -> Response:
        fields = await _verified(request)
        if isinstance(fields, Response):
            return fields
        container: ServiceContainer = request.app.state.container
        try:
            rec = parse_recording(fields)
        except WebhookRefused as exc:
            return _problem(request, 400, str(exc))
        vm = InboundVoicemail(rec.call_sid, rec.recording_sid, rec.url, rec.duration, rec.caller,
                              rec.account_sid)  # fmt: skip
        try:
            outcome = await run_in_threadpool(
                receive_voicemail, container.uow(), container.clock, vm
            )
        except TicketRuleError as exc:
            log.error("voicemail %s not filed: %s", rec.recording_sid, exc)
            return _problem(request, 422, str(exc))
        return twiml(_say("recorded", outcome.locale, n=outcome.ticket_number), "<Hangup/>")

    @router.post(TRANSCRIPTION_PATH)
    async def transcription(request: Request) -> Response:
        fields = await _verified(request)
        if isinstance(fields, Response):
            return fields
        container: ServiceContainer = request.app.state.container
        try:
            t = parse_transcription(fields)
        except WebhookRefused as exc:
            return _problem(request, 400, str(exc))
        inbound = InboundTranscription(t.recording_sid, t.status, t.text)
        try:
            outcome = await run_in_threadpool(
                receive_transcription, container.uow(), container.clock, inbound
            )
        except NotFound as exc:
            log.warning("phone transcription for an unknown recording: %s", exc)
            return _problem(request, 404, str(exc))
        return JSONResponse({"ticket_number": outcome.ticket_number,
                             "duplicate": outcome.duplicate})  # fmt: skip

    return router
