"""The WhatsApp webhook reader (``sladesk.channels.whatsapp``): Meta's documented payloads
(tests/data/whatsapp/, shaped as developers.facebook.com's webhook examples) read into
values; the handshake and the signature refuse what is not ours."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sladesk.channels.whatsapp import (
    WebhookRefused,
    check_signature,
    parse_webhook,
    signature,
    verify_handshake,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "whatsapp"
SECRET = "app-secret-of-the-test"


def test_every_kind_of_message_is_read() -> None:
    body = parse_webhook((DATA / "messages.json").read_bytes())
    assert body.statuses == ()
    kinds = [(m.kind, m.text) for m in body.messages]
    assert kinds == [
        ("text", "Our bot stopped answering on WhatsApp"),
        ("image", "the error"),
        (
            "location",
            "[location: Main office, 1 Hacker Way, Menlo Park, CA 94025 — "
            "37.483253479, -122.148189544]",
        ),
        ("contacts", "[contacts: Barbara Johnson +1 (940) 555-1234]"),
        ("document", "[document: logs.pdf]"),
        ("unsupported", "[a unsupported message WhatsApp does not describe]"),
    ]  # the one with an unreadable timestamp is skipped, the others kept
    first, image = body.messages[0], body.messages[1]
    assert first.sender == "16505551234" and first.sender_name == "Sheena Nelson"
    assert first.phone_number_id == "106540352242922"
    assert first.at == datetime(2025, 6, 8, 20, 59, 43, tzinfo=UTC)
    assert image.media is not None and image.media.media_id == "1003383421387256"
    assert image.media.mime_type == "image/jpeg"
    assert image.context_id == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QTU2NEI2MDQ0QzY2OTE0ODUA"


def test_statuses_of_our_messages() -> None:
    body = parse_webhook((DATA / "statuses.json").read_bytes())
    assert [(s.message_id, s.status) for s in body.statuses] == [
        ("wamid.OURS1", "delivered"),
        ("wamid.OURS1", "read"),
        ("wamid.OURS2", "failed"),
    ]  # "deleted" is not a status we record
    assert body.statuses[2].error == "131047: Re-engagement message"


def test_the_signature_is_checked_before_anything_is_read() -> None:
    raw = (DATA / "messages.json").read_bytes()
    check_signature(raw, signature(raw, SECRET), SECRET)
    for header, why in (
        (None, "missing"),
        ("sha1=abc", "malformed"),
        (signature(raw, "another secret"), "does not match"),
        (signature(raw + b" ", SECRET), "does not match"),
    ):
        with pytest.raises(WebhookRefused, match=why):
            check_signature(raw, header, SECRET)
    with pytest.raises(WebhookRefused, match="no app secret"):
        check_signature(raw, signature(raw, ""), "")


def test_the_handshake_answers_only_our_token() -> None:
    assert verify_handshake("subscribe", "our-token", "1158201444", "our-token") == "1158201444"
    assert verify_handshake("subscribe", "their-token", "1158201444", "our-token") is None
    assert verify_handshake("unsubscribe", "our-token", "1158201444", "our-token") is None
    assert verify_handshake("subscribe", "", "1", "") is None


def test_what_is_not_a_webhook_is_refused() -> None:
    for raw in (b"not json", b"[]", json.dumps({"object": "page", "entry": []}).encode()):
        with pytest.raises(WebhookRefused):
            parse_webhook(raw)
    empty = parse_webhook(json.dumps({"object": "whatsapp_business_account"}).encode())
    assert empty.messages == () and empty.statuses == ()
