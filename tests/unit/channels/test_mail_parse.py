"""The pure mail parser on the cases real mail is known for: charset lies, encoded words
and raw 8-bit headers, HTML-only mail, quotes and signatures, auto-replies and delivery
reports, attachments over the limits, NUL bytes, and a message that cannot be read."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from sladesk.channels.email import (
    AutoKind,
    Limits,
    MailRefused,
    check_message,
    parse_message,
)


def mail(headers: str, body: bytes | str = b"Hello\n", **extra: str) -> bytes:
    head = headers.strip("\n").replace("\n", "\r\n")
    data = body.encode() if isinstance(body, str) else body
    return head.encode("utf-8") + b"\r\n\r\n" + data


BASIC = """From: Alice Example <Alice@Acme.test>
To: support@desk.test, Bob <bob@acme.test>
Cc: carol@acme.test
Subject: Printer on fire
Date: Mon, 03 Mar 2025 10:00:00 +0000
Message-ID: <abc.123@acme.test>
"""


def test_plain_message() -> None:
    m = parse_message(mail(BASIC, "It is burning.\n"))
    assert m.message_id == "abc.123@acme.test"
    assert m.sender is not None and m.sender.address == "alice@acme.test"
    assert m.sender.name == "Alice Example"
    assert [a.address for a in m.to] == ["support@desk.test", "bob@acme.test"]
    assert [a.address for a in m.cc] == ["carol@acme.test"]
    assert m.subject == "Printer on fire"
    assert m.date == datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    assert m.text == "It is burning."
    assert m.auto is None and m.error is None and m.html is None


def test_encoded_words_and_raw_8bit_headers() -> None:
    raw = (
        b"From: =?iso-8859-1?Q?J=F6rg_M=FCller?= <jorg@example.de>\r\n"
        b"Subject: =?utf-8?B?w4fDoW8=?= =?utf-8?Q?_n=C3=A3o?= funciona\r\n"
        b"To: \xc3\x81lvaro <alvaro@example.pt>\r\n"
        b"Cc: Ren\xe9 <rene@example.fr>\r\n\r\nBody\r\n"
    )
    m = parse_message(raw)
    assert m.sender is not None and m.sender.name == "Jörg Müller"
    assert m.subject == "Çáo não funciona"  # no space between adjacent encoded words
    assert m.to[0].name == "Álvaro"  # raw UTF-8 bytes in a header
    assert m.cc[0].name == "René"  # raw Latin-1 bytes in a header: not UTF-8, so cp1252


def test_gb2312_that_is_really_gbk() -> None:
    text = "镕基 喆"  # 镕 and 喆 are in GBK, not in GB2312
    body = text.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    m = parse_message(mail(BASIC + 'Content-Type: text/plain; charset="gb2312"\n', body))
    assert m.text == text
    assert m.defects == ()  # read as declared (through its superset), not guessed


def test_undeclared_8bit_text_is_utf8_else_cp1252() -> None:
    m = parse_message(mail(BASIC, "Olá, está tudo bem?".encode()))
    assert m.text == "Olá, está tudo bem?"
    m = parse_message(mail(BASIC, "Café “quoted”".encode("cp1252")))
    assert m.text == "Café “quoted”"
    assert any("undeclared 8-bit" in d for d in m.defects)


def test_mislabelled_part_falls_back() -> None:
    m = parse_message(
        mail(BASIC + "Content-Type: text/plain; charset=x-no-such-charset\n", "Ação".encode())
    )
    assert m.text == "Ação"


def test_html_only_mail_gives_text_and_sanitised_html_without_remote_images() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Hi <b>team</b>,</p>"
        '<p>see <img src="https://tracker.example/pixel.gif" alt="logo">'
        '<img src="cid:shot1"></p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">x</a></body></html>'
    )
    m = parse_message(mail(BASIC + "Content-Type: text/html; charset=utf-8\n", html))
    assert m.text.startswith("Hi team,\n\nsee [logo]")
    assert m.html is not None
    assert "tracker.example" not in m.html
    assert 'src="cid:shot1"' in m.html
    assert "script" not in m.html and "javascript" not in m.html
    assert "<b>team</b>" in m.html


QUOTED = """Thanks, that fixed it.

Best,
Alice
--\x20
Alice Example, Acme
+351 000 000

On Mon, 3 Mar 2025 at 10:00, Support <support@desk.test> wrote:
> Please restart the printer.
> [#12]
"""


@pytest.mark.parametrize(
    ("body", "new"),
    [
        (QUOTED, "Thanks, that fixed it.\n\nBest,\nAlice"),
        ("Sí, gracias.\n\nEl lun, 3 mar 2025 a las 10:00, Soporte escribió:\n> Hola\n",
         "Sí, gracias."),
        ("Obrigado!\n\nEm seg., 3 de mar. de 2025 às 10:00, Suporte <s@d.test> escreveu:\n"
         "> Olá\n", "Obrigado!"),
        ("Done.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n\nold text\n",
         "Done."),
        ("Done.\n\nFrom: Support <support@desk.test>\nSent: Monday, 3 March 2025 10:00\n"
         "To: Alice\nSubject: RE: x\n\nold\n", "Done."),
        ("It works now\n\nSent from my iPhone\n", "It works now"),
        ("New text\n> old line\n>\n> older line\n", "New text"),
        ("> only a quote\n", "> only a quote"),  # nothing new: the whole text stays
    ],
)  # fmt: skip
def test_quotes_and_signatures_are_folded_away(body: str, new: str) -> None:
    m = parse_message(mail(BASIC, body))
    assert m.text == new
    assert m.full_text == body.strip()


@pytest.mark.parametrize(
    ("extra", "subject", "reason"),
    [
        ("Auto-Submitted: auto-replied\n", "Re: Printer", "Auto-Submitted"),
        ("X-Autoreply: yes\n", "Re: Printer", "x-autoreply"),
        ("Precedence: bulk\n", "Newsletter", "Precedence: bulk"),
        ("Precedence: auto_reply\n", "Re: x", "Precedence: auto_reply"),
        ("Precedence: junk\n", "Re: x", "Precedence: junk"),
        ("", "Out of Office: Printer on fire", "out-of-office"),
        ("", "Automatic reply: Printer on fire", "out-of-office"),
        ("", "Respuesta automática: Impresora", "out-of-office"),
        ("", "Resposta automática: Impressora", "out-of-office"),
    ],
)
def test_auto_replies(extra: str, subject: str, reason: str) -> None:
    headers = BASIC.replace("Subject: Printer on fire", f"Subject: {subject}") + extra
    m = parse_message(mail(headers, "I am away until Monday.\n"))
    assert m.auto is AutoKind.AUTO_REPLY
    assert reason in m.auto_reason


def test_auto_submitted_no_is_a_person() -> None:
    m = parse_message(mail(BASIC + "Auto-Submitted: no\n"))
    assert m.auto is None


DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.desk.test>
To: support@desk.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn.1@mx.desk.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"
"""

DSN_BODY = """--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.desk.test

Final-Recipient: rfc822; gone@acme.test
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: message/rfc822

From: support@desk.test
To: gone@acme.test
Message-ID: <sladesk.7.1@desk.test>
Subject: [#7] Printer on fire

Hello
--B--
"""


def test_delivery_status_notification() -> None:
    m = parse_message(mail(DSN, DSN_BODY.replace("\n", "\r\n")))
    assert m.auto is AutoKind.BOUNCE
    assert len(m.bounced) == 1
    bounced = m.bounced[0]
    assert (bounced.address, bounced.action) == ("gone@acme.test", "failed")
    assert bounced.status == "5.1.1"
    assert bounced.permanent
    assert "User unknown" in bounced.diagnostic
    assert m.bounced_message_id == "sladesk.7.1@desk.test"


def test_attachments_inline_images_and_limits() -> None:
    small = base64.b64encode(b"x" * 100).decode()
    big = base64.b64encode(b"y" * 2000).decode()
    body = (
        "--M\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        "--M\r\nContent-Type: image/png\r\nContent-ID: <img1@x>\r\n"
        f"Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n{small}\r\n"
        '--M\r\nContent-Type: application/pdf; name="big.pdf"\r\n'
        'Content-Disposition: attachment; filename="big.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{big}\r\n"
        "--M\r\nContent-Type: application/pgp-signature\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n"
        "--M--\r\n"
    )
    headers = BASIC + 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="M"\n'
    m = parse_message(mail(headers, body), Limits(attachment_bytes=1000))
    assert m.text == "See attached."
    image, pdf, signature = m.attachments
    assert image.inline and image.content_id == "img1@x" and image.content == b"x" * 100
    assert pdf.filename == "big.pdf" and pdf.size == 2000 and pdf.content is None
    assert pdf.dropped is not None and "limit" in pdf.dropped
    assert signature.content_type == "application/pgp-signature"


def test_uuencoded_block_becomes_an_attachment() -> None:
    import binascii

    line = binascii.b2a_uu(b"hello uu").decode().rstrip("\n")
    body = f"Here it is:\nbegin 644 note.txt\n{line}\n`\nend\nThanks\n"
    m = parse_message(mail(BASIC, body))
    assert [a.filename for a in m.attachments] == ["note.txt"]
    assert m.attachments[0].content == b"hello uu"
    assert "begin 644" not in m.text


def test_nul_bytes_and_control_characters_are_stripped() -> None:
    m = parse_message(mail(BASIC.replace("Printer on fire", "Pri\x01nter"), b"A\x00B\x07C\r\n"))
    assert m.subject == "Printer"
    assert m.text == "ABC"


def test_references_and_in_reply_to() -> None:
    m = parse_message(mail(BASIC + "In-Reply-To: <b@x>\nReferences: <a@x>\n <b@x>\n"))
    assert m.in_reply_to == ("b@x",)
    assert m.references == ("a@x", "b@x")
    assert m.thread_ids == ("b@x", "a@x")


def test_a_message_that_cannot_be_read_is_kept_raw(monkeypatch: pytest.MonkeyPatch) -> None:
    from sladesk.channels.email import _parse

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(_parse, "message_from_bytes", broken)
    raw = mail(BASIC)
    m = parse_message(raw)
    assert m.raw == raw
    assert m.error == "RuntimeError: parser exploded"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "no e-mail header"),
        (b"just some words\nand more\n", "no e-mail header"),
    ],
)
def test_what_is_not_a_message_is_refused(raw: bytes, why: str) -> None:
    with pytest.raises(MailRefused, match=why):
        check_message(raw)


def test_too_big_is_refused() -> None:
    raw = mail(BASIC, "x" * 2000)
    with pytest.raises(MailRefused, match="too big: 2.* the limit is 1000"):
        check_message(raw, Limits(message_bytes=1000))


def test_outbox_payloads_are_read_in_both_shapes() -> None:
    from sladesk.channels.email import Notice, read_notice

    built = {
        "event": "ticket.replied", "at": "2025-03-03T10:00:00+00:00", "actor": "agent:1",
        "ticket": {"id": 7, "number": 12, "reference": "#12"}, "data": {"message_id": 9},
        "recipient": {"kind": "contact", "id": 3}, "template": "ticket.replied",
        "locale": "pt", "time_zone": "Europe/Lisbon",
    }  # fmt: skip
    assert read_notice(built) == Notice(
        to="contact:3", template="ticket.replied", ticket_id=7, locale="pt",
        time_zone="Europe/Lisbon", message_id=9,
    )  # fmt: skip
    flat = {"to": "assignee", "event": "sla.warning", "ticket_id": 7}
    assert read_notice(flat) == Notice(to="assignee", template="sla.warning", ticket_id=7)
    assert read_notice({"event": "x", "ticket_id": 1}) == "no recipient in the payload (to=None)"
    assert read_notice({"to": "contact:1", "template": "x"}) == "no ticket in the payload"
