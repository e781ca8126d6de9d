"""`sladesk mail ingest` as a real process, as an MTA's pipe runs it: the exit status, the
one-line error, and the ``--json`` document the issue fixes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SLADESK = Path(sys.executable).with_name("sladesk")


def run(db: Path, raw: bytes, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLADESK_")}
    return subprocess.run(
        [str(SLADESK), "mail", "ingest", "--database-url", f"sqlite:///{db}", *args],
        input=raw, capture_output=True, timeout=60, env={**clean, **env}, check=False,
    )  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "sladesk.db"
    subprocess.run([str(SLADESK), "db", "upgrade", "--database-url", f"sqlite:///{path}"],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    return path


MAIL = (
    "From: =?utf-8?Q?Jo=C3=A3o?= <joao@cliente.test>\r\nTo: support@desk.test\r\n"
    "Subject: =?utf-8?Q?N=C3=A3o_consigo_entrar?=\r\nMessage-ID: <p1@cliente.test>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Olá, não consigo entrar.\r\n\r\nEm seg., 3 de mar., Suporte escreveu:\r\n> antes\r\n"
).encode()


def test_a_message_is_stored_and_described_as_json(db: Path) -> None:
    done = run(db, MAIL, "--json", "--mailbox", "support")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["ticket_id"] == 1 and document["created"] is True
    assert document["message_id"] == "p1@cliente.test"
    assert document["from"] == "joao@cliente.test"
    assert document["subject"] == "Não consigo entrar"
    assert document["body_text"] == "Olá, não consigo entrar."

    again = run(db, MAIL, "--json")
    assert again.returncode == 0
    twice = json.loads(again.stdout)
    assert twice["ticket_id"] == 1 and twice["created"] is False and twice["duplicate"] is True


def test_an_auto_reply_is_stored_without_a_ticket(db: Path) -> None:
    raw = MAIL.replace(b"Message-ID:", b"Auto-Submitted: auto-replied\r\nMessage-ID:")
    done = run(db, raw, "--json")
    assert done.returncode == 0
    document = json.loads(done.stdout)
    assert document["ticket_id"] is None and document["created"] is False


def test_plain_output_says_where_it_went(db: Path) -> None:
    done = run(db, MAIL)
    assert done.returncode == 0
    assert done.stdout.decode().strip() == "stored <p1@cliente.test>: ticket #1 (new)"


@pytest.mark.parametrize(
    ("raw", "env", "why"),
    [
        (b"", {}, "refused: not a message: the input is empty"),
        (b"\x89PNG\r\n\x1a\nbinary", {}, "refused: not a message: no e-mail header"),
        (MAIL, {"SLADESK_MAIL_MAX_MESSAGE_BYTES": "100"}, "refused: message too big"),
    ],
)
def test_refused_input_exits_65_with_one_line(
    db: Path, raw: bytes, env: dict[str, str], why: str
) -> None:
    done = run(db, raw, "--json", **env)
    assert done.returncode == 65
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sladesk mail ingest: {why}")


def test_a_database_it_cannot_write_exits_75_so_the_mta_retries(tmp_path: Path) -> None:
    done = run(tmp_path / "missing-dir" / "x.db", MAIL)
    assert done.returncode == 75
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "not stored, try again" in lines[0]


def test_a_mailbox_that_refuses_strangers(db: Path) -> None:
    closed = {"SLADESK_MAIL_CLOSED_MAILBOXES": '["vip"]'}
    done = run(db, MAIL, "--json", "--mailbox", "vip", **closed)
    assert done.returncode == 0, done.stderr  # stored (refused is an answer, not an error)
    document = json.loads(done.stdout)
    assert document["ticket_id"] is None and document["outcome"] == "refused"
    assert "vip" in document["reason"] and document["from"] == "joao@cliente.test"
    again = run(db, MAIL.replace(b"<p1@", b"<p2@"), "--json", "--mailbox", "support", **closed)
    assert json.loads(again.stdout)["ticket_id"] == 1  # another mailbox takes strangers


def test_an_mbox_is_ingested_message_by_message_in_batches(db: Path, tmp_path: Path) -> None:
    mbox = tmp_path / "support.mbox"
    chunks = []
    for n in range(120):  # three batches of 50, 50 and 20
        body = MAIL.replace(b"<p1@", f"<mbox{n}@".encode()).replace(
            b"Subject: =?utf-8?Q?N=C3=A3o_consigo_entrar?=", f"Subject: Pedido {n}".encode()
        )
        chunks.append(b"From joao@cliente.test Mon Mar  3 10:00:00 2025\n" + body + b"\n")
    chunks.append(b"From x@y Mon Mar  3 10:00:00 2025\nnot a message at all\n")
    mbox.write_bytes(b"".join(chunks))
    done = run(db, b"", "--mbox", str(mbox), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"messages": 121, "stored": 120, "duplicate": 0,
                                       "refused": 1, "failed": 0}  # fmt: skip
    assert b"message 121 refused" in done.stderr
    again = run(db, b"", "--mbox", str(mbox), "--json")  # the same file again: nothing new
    assert json.loads(again.stdout)["duplicate"] == 120
    one = run(db, MAIL.replace(b"<p1@", b"<mbox7@"), "--json")
    assert json.loads(one.stdout)["ticket_id"] == 8  # the eighth message, its own ticket
