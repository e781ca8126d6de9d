"""The phone channel (Twilio's voice webhooks, or any provider sending the same fields):
calls, voicemail recordings and their transcriptions in, each request's
``X-Twilio-Signature`` checked by the pure ``_webhook`` module; TwiML out. docs/channels.md."""

from sladesk.channels.phone._routes import (
    RECORDING_PATH,
    TRANSCRIPTION_PATH,
    VOICE_PATH,
    phone_router,
    twiml,
)
from sladesk.channels.phone._webhook import (
    SIGNATURE_HEADER,
    PhoneCall,
    Recording,
    Transcription,
    WebhookRefused,
    check_signature,
    form_fields,
    looks_like_number,
    parse_call,
    parse_recording,
    parse_transcription,
    signature,
)

__all__ = [
    "RECORDING_PATH",
    "TRANSCRIPTION_PATH",
    "VOICE_PATH",
    "phone_router",
    "twiml",
    "SIGNATURE_HEADER",
    "PhoneCall",
    "Recording",
    "Transcription",
    "WebhookRefused",
    "check_signature",
    "form_fields",
    "looks_like_number",
    "parse_call",
    "parse_recording",
    "parse_transcription",
    "signature",
]
