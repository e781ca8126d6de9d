"""Twilio voice webhooks, read: the ``X-Twilio-Signature`` every request carries and the
form fields of a call, a recording and a transcription as frozen values. Pure: strings in,
values out; no I/O, no clock.

As Twilio documents them (twilio.com/docs/usage/security, .../voice/twiml#request-parameters):

- **Signature**: ``X-Twilio-Signature`` is ``base64(HMAC-SHA1(auth_token, url + params))``
  where ``url`` is the full URL Twilio requested (scheme, host, port when given, path and
  query string) and ``params`` the POST fields sorted by name, each written as name then
  value with nothing between (a repeated name: each of its values, in sorted order).
  :func:`check_signature` compares in constant time; a missing, malformed or wrong
  signature is refused before any field is read.
- **Fields** (``application/x-www-form-urlencoded``): ``CallSid``, ``AccountSid``,
  ``From``, ``To``, ``CallStatus``, ``Direction``, ``CallerName``; a recording callback adds
  ``RecordingSid``, ``RecordingUrl``, ``RecordingDuration`` (seconds); a transcription
  callback ``TranscriptionSid``, ``TranscriptionText``, ``TranscriptionStatus``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

SIGNATURE_HEADER = "X-Twilio-Signature"
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_PHONE = re.compile(r"^\+?[0-9]{3,20}$")


class WebhookRefused(ValueError):
    """A request that is not to be trusted or read (bad signature, missing fields)."""


@dataclass(frozen=True, slots=True)
class PhoneCall:
    """A call Twilio tells us about (the voice webhook and its status callbacks)."""

    call_sid: str
    caller: str  # From: the caller's number, E.164 when Twilio knows it
    called: str  # To: our number they called
    status: str  # queued | ringing | in-progress | completed | busy | failed | no-answer...
    direction: str  # inbound | outbound-api | outbound-dial
    caller_name: str = ""


@dataclass(frozen=True, slots=True)
class Recording:
    """A voicemail recorded by ``<Record>``: where the audio is and how long it lasts."""

    call_sid: str
    recording_sid: str
    url: str
    duration: int  # seconds
    caller: str = ""
    called: str = ""
    account_sid: str = ""  # AC…: the account the recording is fetched as (HTTP basic auth)


@dataclass(frozen=True, slots=True)
class Transcription:
    """The text of a recording, sent (later) by ``<Record transcribe>``'s callback."""

    call_sid: str
    recording_sid: str
    transcription_sid: str
    status: str  # completed | failed
    text: str
    recording_url: str = ""


def form_fields(body: bytes) -> list[tuple[str, str]]:
    """The name/value pairs of an ``application/x-www-form-urlencoded`` body (in order;
    blank values kept: they are signed like any other)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookRefused("the form body is not UTF-8") from None
    return parse_qsl(text, keep_blank_values=True)


def signature(url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    """The ``X-Twilio-Signature`` of a POST to ``url`` with ``params`` (Twilio's algorithm:
    the URL, then every name+value sorted by name, HMAC-SHA1 under the auth token,
    base64). Our stand-in signs with it as Twilio does."""
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def check_signature(
    url: str, params: Iterable[tuple[str, str]], header: str | None, auth_token: str
) -> None:
    """Raises :class:`WebhookRefused` unless ``header`` signs the request under the token."""
    if not auth_token:
        raise WebhookRefused("no Twilio auth token is configured: requests cannot be verified")
    if not header:
        raise WebhookRefused(f"missing {SIGNATURE_HEADER}")
    if len(header) != 28 or not header.endswith("="):  # base64 of 20 bytes
        raise WebhookRefused(f"malformed {SIGNATURE_HEADER}")
    expected = signature(url, params, auth_token)
    if not hmac.compare_digest(header.encode("ascii", "replace"), expected.encode("ascii")):
        raise WebhookRefused(f"{SIGNATURE_HEADER} does not match the URL and parameters")


def _one(fields: Mapping[str, str], name: str, *, required: bool = True) -> str:
    value = fields.get(name, "").strip()
    if required and not value:
        raise WebhookRefused(f"the field {name!r} is missing")
    return value


def _sid(fields: Mapping[str, str], name: str) -> str:
    value = _one(fields, name)
    if not _SID.match(value):
        raise WebhookRefused(f"the field {name!r} is not a Twilio id: {value[:40]!r}")
    return value


def _number(fields: Mapping[str, str], name: str) -> str:
    """A phone number as Twilio sends it; a withheld caller (``anonymous``, ``+266696687``,
    blank) is kept as it came."""
    value = _one(fields, name, required=False)
    return value[:40]


def parse_call(params: Iterable[tuple[str, str]]) -> PhoneCall:
    """The call of a (verified) voice webhook or status callback."""
    fields = dict(params)
    return PhoneCall(
        call_sid=_sid(fields, "CallSid"), caller=_number(fields, "From"),
        called=_number(fields, "To"), status=_one(fields, "CallStatus", required=False),
        direction=_one(fields, "Direction", required=False),
        caller_name=_one(fields, "CallerName", required=False)[:200],
    )  # fmt: skip


def parse_recording(params: Iterable[tuple[str, str]]) -> Recording:
    """The voicemail of a (verified) ``recordingStatusCallback``/``<Record action>``."""
    fields = dict(params)
    url = _one(fields, "RecordingUrl")
    if not url.startswith("https://"):
        raise WebhookRefused(f"the field 'RecordingUrl' is not an https URL: {url[:80]!r}")
    duration = _one(fields, "RecordingDuration", required=False) or "0"
    if not duration.isdigit():
        raise WebhookRefused(f"the field 'RecordingDuration' is not seconds: {duration[:20]!r}")
    account = _sid(fields, "AccountSid") if fields.get("AccountSid", "").strip() else ""
    if account and not account.startswith("AC"):
        raise WebhookRefused(f"the field 'AccountSid' is not an account id: {account[:40]!r}")
    return Recording(
        call_sid=_sid(fields, "CallSid"), recording_sid=_sid(fields, "RecordingSid"), url=url,
        duration=int(duration), caller=_number(fields, "From"), called=_number(fields, "To"),
        account_sid=account,
    )  # fmt: skip


def parse_transcription(params: Iterable[tuple[str, str]]) -> Transcription:
    """The text of a (verified) ``transcribeCallback``."""
    fields = dict(params)
    status = _one(fields, "TranscriptionStatus")
    if status not in {"completed", "failed"}:
        raise WebhookRefused(f"the field 'TranscriptionStatus' is unknown: {status[:20]!r}")
    return Transcription(
        call_sid=_sid(fields, "CallSid"), recording_sid=_sid(fields, "RecordingSid"),
        transcription_sid=_one(fields, "TranscriptionSid", required=False),
        status=status, text=fields.get("TranscriptionText", "").strip()[:20000],
        recording_url=_one(fields, "RecordingUrl", required=False),
    )  # fmt: skip


def looks_like_number(value: str) -> bool:
    """A caller id we can look a contact up by (not ``anonymous``, not blank)."""
    return bool(_PHONE.match(value.replace(" ", "")))
