"""`sladesk mail poll` as a real process against a real Dovecot on loopback
(``imap_fixtures.py``): one round files the unseen mail and marks it, the password comes
from a file or a variable, and a wrong login is one line and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from imap_fixtures import Dovecot, dovecot

__all__ = ["dovecot"]

SLADESK = Path(sys.executable).with_name("sladesk")

MAIL = (
    b"From: Jo\xc3\xa3o <joao@cliente.test>\r\nTo: support@desk.test\r\n"
    b"Subject: Sem acesso\r\nMessage-ID: <poll1@cliente.test>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nN\xc3\xa3o consigo entrar.\r\n"
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "sladesk.db"
    subprocess.run([str(SLADESK), "db", "upgrade", "--database-url", f"sqlite:///{path}"],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    return path


def poll(db: Path, server: Dovecot, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLADESK_")}
    return subprocess.run(
        [str(SLADESK), "mail", "poll", "--database-url", f"sqlite:///{db}",
         "--imap-host", "127.0.0.1", "--imap-port", str(server.port), "--security", "plain",
         "--user", server.user, "--once", *args],
        capture_output=True, text=True, timeout=60, env={**clean, **env}, check=False,
    )  # fmt: skip


def test_one_round_files_the_unseen_mail_and_marks_it(
    db: Path, dovecot: Dovecot, tmp_path: Path
) -> None:
    secret = tmp_path / "imap-password"
    secret.write_text(dovecot.password + "\n")
    dovecot.deliver(MAIL)
    done = poll(db, dovecot, "--password-file", str(secret), "--move-to", "Filed")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stored 1, refused 0, left for later 0"
    assert dovecot.flags("INBOX") == [] and len(dovecot.flags("Filed")) == 1
    listed = subprocess.run(
        [str(SLADESK), "tickets", "list", "--database-url", f"sqlite:///{db}"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert "Sem acesso" in listed.stdout

    again = poll(db, dovecot, "--password-env", "IMAP_PW", IMAP_PW=dovecot.password)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "stored 0, refused 0, left for later 0"


def test_a_wrong_password_is_one_line_and_a_failure(db: Path, dovecot: Dovecot) -> None:
    dovecot.deliver(MAIL)
    done = poll(db, dovecot, "--password-env", "IMAP_PW", IMAP_PW="wrong")
    assert done.returncode == 1
    assert done.stderr.startswith("sladesk mail poll: IMAP 127.0.0.1:")
    assert len(done.stderr.strip().splitlines()) == 1
    assert "\\Seen" not in dovecot.flags()[0]


def test_the_password_must_come_from_exactly_one_place(db: Path, dovecot: Dovecot) -> None:
    done = poll(db, dovecot)
    assert done.returncode == 1
    assert "exactly one of --password-env and --password-file" in done.stderr
