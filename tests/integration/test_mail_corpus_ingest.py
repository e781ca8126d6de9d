"""Every message of the real-world corpus (tests/data/mail/, sources and licences in its
README.md) ingested into a real database, SQLite and PostgreSQL: no crash, the raw bytes
kept, and the subject, sender and text stored as the parser read them (expected.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from desk_fixtures import Desk

from sladesk.channels.email import MailRefused, receive_mail
from sladesk.services import get_ticket
from sladesk.store._tables_mail import MailMessage

CORPUS = Path(__file__).parents[1] / "data" / "mail"
EXPECTED: dict[str, dict[str, object]] = json.loads((CORPUS / "expected.json").read_text())


def test_every_corpus_message_is_ingested(desk: Desk) -> None:
    assert len(EXPECTED) >= 55
    for name, expected in sorted(EXPECTED.items()):
        raw = (CORPUS / name).read_bytes()
        if expected["refused"]:  # not a message at all: refused whole, nothing stored
            with pytest.raises(MailRefused):
                receive_mail(desk.uow, desk.clock, raw)
            continue
        _parsed, result = receive_mail(desk.uow, desk.clock, raw, mailbox="corpus")
        if result.duplicate:  # shares its Message-ID with an earlier one: stored once
            continue
        with desk.uow.read_only():
            row = desk.uow.session.execute(
                sa.select(MailMessage).where(MailMessage.id == result.record_id)
            ).scalar_one()
            assert row.raw == raw.replace(b"\x00", b"") or row.raw == raw, name
            assert row.sender == (expected["from"] or ""), name
            assert row.status == result.outcome != "received", name
        auto = expected["auto"]
        if auto == "bounce":
            assert result.outcome == "bounce" and not result.created, name
        elif auto is not None:
            assert result.outcome == "auto_reply" and result.ticket_id is None, name
        else:
            assert result.ticket_id is not None, (name, result)
            first = next((ln for ln in result.body_text.split("\n") if ln.strip()), "")
            if expected["text_starts"]:
                assert first[:60] == expected["text_starts"], name
            ticket = get_ticket(desk.uow, desk.clock, desk.admin, result.ticket_id)
            assert result.body_text in [m.body for m in ticket.messages], name
            if result.created:
                subject = " ".join(str(expected["subject"]).split())[:500] or "(no subject)"
                assert ticket.subject == subject, name
