"""The phone channel (Twilio's voice webhooks, or any provider sending the same fields):
calls, voicemail recordings and their transcriptions in, each request's
``X-Twilio-Signature`` checked by the pure ``_webhook`` module; TwiML out. docs/channels.md."""

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
