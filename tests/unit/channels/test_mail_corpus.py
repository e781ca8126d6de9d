"""Every message of the real-world corpus (tests/data/mail/, sources and licences in its
README.md) parses without a crash, with the subject, sender and text checked for each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sladesk.channels.email import MailRefused, check_message, parse_message

CORPUS = Path(__file__).parents[2] / "data" / "mail"
EXPECTED: dict[str, dict[str, object]] = json.loads((CORPUS / "expected.json").read_text())
FILES = sorted(p for p in CORPUS.glob("*/*") if p.is_file())


def test_every_file_of_the_corpus_has_expectations_and_a_source() -> None:
    names = {str(p.relative_to(CORPUS)) for p in FILES}
    assert names == set(EXPECTED)
    sources = (CORPUS / "README.md").read_text()
    assert {n.split("/")[0] for n in names} == {"cpython", "zammad", "mikel"}
    assert all(f"{d}/" in sources for d in ("cpython", "zammad", "mikel"))
    assert all(n.split("/")[1] in sources or n.startswith("cpython/") for n in names)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_message(path: Path) -> None:
    raw = path.read_bytes()
    expected = EXPECTED[str(path.relative_to(CORPUS))]
    if expected["refused"]:  # a body without any header: not a message, refused whole
        with pytest.raises(MailRefused, match="not a message"):
            check_message(raw)
    else:
        check_message(raw)
    mail = parse_message(raw)
    assert mail.error is None
    assert mail.raw == raw
    assert mail.subject == expected["subject"]
    assert (mail.sender.address if mail.sender else None) == expected["from"]
    first = next((line for line in mail.text.split("\n") if line.strip()), "")
    assert first[:60] == expected["text_starts"]
    assert (mail.auto.value if mail.auto else None) == expected["auto"]
    assert len(mail.attachments) == expected["attachments"]
    for text in (mail.subject, mail.text, mail.full_text, mail.html or ""):
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates: storable on both databases


def test_the_zammad_reply_keeps_only_the_answer_below_the_quote() -> None:
    mail = parse_message((CORPUS / "zammad" / "mail005.box").read_bytes())
    assert mail.text.startswith("Hallo Martin,\n\nJohn und ich könnten leider nur am Freitag")
    assert mail.text.endswith("John & Marc")
    assert "> Hallo Marc," not in mail.text
    assert "> Hallo Marc," in mail.full_text
    assert mail.in_reply_to == ("20120507061007.259.822311@portal.znuny.com",)
    assert mail.message_id == "4FA76F9A.3060602@example.com"


def test_the_ucla_delivery_report_names_the_failed_recipients() -> None:
    mail = parse_message((CORPUS / "cpython" / "msg_16.txt").read_bytes())
    assert mail.auto is not None and mail.auto.value == "bounce"
    assert mail.bounced
    assert all(r.action == "failed" for r in mail.bounced)
    assert all("@" in r.address for r in mail.bounced)
