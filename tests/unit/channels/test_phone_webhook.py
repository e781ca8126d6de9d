"""The Twilio voice webhook reader: the signature as Twilio documents it (its own published
example), the refusals, and the fields of calls, recordings and transcriptions."""

from __future__ import annotations

import pytest

from sladesk.channels.phone import (
    WebhookRefused,
    check_signature,
    form_fields,
    looks_like_number,
    parse_call,
    parse_recording,
    parse_transcription,
    signature,
)

# Twilio's documented example (twilio.com/docs/usage/security; twilio-python's
# tests/unit/test_request_validator.py): token 12345, this URL and these fields.
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="

CALL_SID = "CA" + "a" * 32
REC_SID = "RE" + "b" * 32


def test_signature_is_twilios_published_example() -> None:
    assert signature(URL, PARAMS.items(), TOKEN) == EXPECTED
    check_signature(URL, PARAMS.items(), EXPECTED, TOKEN)  # does not raise


def test_signature_does_not_depend_on_the_order_fields_came_in() -> None:
    assert signature(URL, reversed(list(PARAMS.items())), TOKEN) == EXPECTED


@pytest.mark.parametrize(
    ("url", "params", "header", "token", "why"),
    [
        (URL, PARAMS, None, TOKEN, "missing"),
        (URL, PARAMS, "", TOKEN, "missing"),
        (URL, PARAMS, "not-base64", TOKEN, "malformed"),
        (URL, PARAMS, EXPECTED, "54321", "does not match"),
        (URL.replace("foo=1", "foo=2"), PARAMS, EXPECTED, TOKEN, "does not match"),
        ("http://mycompany.com/myapp.php?foo=1&bar=2", PARAMS, EXPECTED, TOKEN, "does not match"),
        (URL, {**PARAMS, "Digits": "1235"}, EXPECTED, TOKEN, "does not match"),
        (URL, {**PARAMS, "Extra": ""}, EXPECTED, TOKEN, "does not match"),
        (URL, PARAMS, EXPECTED, "", "no Twilio auth token"),
    ],
)
def test_bad_signatures_are_refused(
    url: str, params: dict[str, str], header: str | None, token: str, why: str
) -> None:
    with pytest.raises(WebhookRefused, match=why):
        check_signature(url, params.items(), header, token)


def test_form_fields_keep_blank_values_and_order() -> None:
    body = b"CallSid=CA1&From=%2B5491155550000&TranscriptionText="
    assert form_fields(body) == [("CallSid", "CA1"), ("From", "+5491155550000"),
                                 ("TranscriptionText", "")]  # fmt: skip
    with pytest.raises(WebhookRefused, match="UTF-8"):
        form_fields(b"From=\xff\xfe")


def test_a_call() -> None:
    call = parse_call([
        ("CallSid", CALL_SID), ("AccountSid", "AC" + "0" * 32), ("From", "+5491155550000"),
        ("To", "+541140000000"), ("CallStatus", "ringing"), ("Direction", "inbound"),
        ("CallerName", "Ana"),
    ])  # fmt: skip
    assert (call.call_sid, call.caller, call.called) == (
        CALL_SID,
        "+5491155550000",
        "+541140000000",
    )
    assert (call.status, call.direction, call.caller_name) == ("ringing", "inbound", "Ana")


def test_a_call_without_a_proper_sid_is_refused() -> None:
    with pytest.raises(WebhookRefused, match="'CallSid' is missing"):
        parse_call([("From", "+1")])
    with pytest.raises(WebhookRefused, match="'CallSid' is not a Twilio id"):
        parse_call([("CallSid", "x' OR 1=1")])


def test_a_recording_and_its_refusals() -> None:
    fields = [("CallSid", CALL_SID), ("RecordingSid", REC_SID),
              ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"),
              ("RecordingDuration", "17"), ("From", "+5491155550000")]  # fmt: skip
    rec = parse_recording(fields)
    assert (rec.recording_sid, rec.duration, rec.caller) == (REC_SID, 17, "+5491155550000")
    assert rec.url.endswith("/Recordings/RE1")
    with pytest.raises(WebhookRefused, match="not an https URL"):
        parse_recording([*fields[:2], ("RecordingUrl", "javascript:alert(1)")])
    with pytest.raises(WebhookRefused, match="not seconds"):
        parse_recording([*fields[:3], ("RecordingDuration", "-3")])
    with pytest.raises(WebhookRefused, match="'RecordingSid' is missing"):
        parse_recording([fields[0], fields[2]])


def test_a_transcription() -> None:
    t = parse_transcription([("CallSid", CALL_SID), ("RecordingSid", REC_SID),
                             ("TranscriptionSid", "TR1"), ("TranscriptionStatus", "completed"),
                             ("TranscriptionText", " The server is down. ")])  # fmt: skip
    assert (t.status, t.text, t.transcription_sid) == ("completed", "The server is down.", "TR1")
    with pytest.raises(WebhookRefused, match="TranscriptionStatus"):
        parse_transcription([("CallSid", CALL_SID), ("RecordingSid", REC_SID),
                             ("TranscriptionStatus", "maybe")])  # fmt: skip


def test_numbers_we_can_look_up() -> None:
    assert looks_like_number("+5491155550000")
    assert not looks_like_number("anonymous")
    assert not looks_like_number("")
