"""`sladesk mail ingest`: one RFC 822 message on standard input, stored and filed — what an
MTA's pipe runs (Postfix ``mailbox_command`` or an alias ``|sladesk mail ingest``); and
`sladesk mail poll`: a hosted mailbox's folder by IMAP, into the same intake
(``channels/email/_imap.py``).

Exit status, as MTAs read it: 0 when the message is stored (also a bounce or an
auto-reply that opens no ticket, and a message stored before); 65 (``EX_DATAERR``, the
MTA bounces it) when it is refused — too big, not a message at all — with one line on
standard error saying why; 75 (``EX_TEMPFAIL``, the MTA retries later) when it could not be
stored now (the database is unreachable or locked).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path

import typer

from sladesk.bootstrap import bootstrap
from sladesk.channels.email import Limits, MailRefused, receive_mail
from sladesk.cli.db_cmd import DATABASE_URL, settings_for
from sladesk.config import Settings

app = typer.Typer(help="The e-mail channel: mail in.", no_args_is_help=True)

EX_DATAERR = 65
EX_TEMPFAIL = 75


def _fail(code: int, message: str) -> typer.Exit:
    typer.echo(f"sladesk mail ingest: {message}", err=True)
    return typer.Exit(code)


@app.command("ingest")
def ingest(
    database_url: str | None = DATABASE_URL,
    mailbox: str | None = typer.Option(None, "--mailbox", help="The mailbox it came to."),
    as_json: bool = typer.Option(False, "--json", help="Print what became of it as JSON."),
    mbox: Path | None = typer.Option(
        None,
        "--mbox",
        metavar="FILE",
        help="Take every message of this mbox file instead (50 per transaction).",
    ),  # fmt: skip
) -> None:
    """Store and file one message read from standard input (or every message of --mbox)."""
    settings = settings_for(database_url)
    if mbox is not None:
        _ingest_mbox(settings, mbox, mailbox, as_json=as_json)
        return
    limits = Limits(message_bytes=settings.mail_max_message_bytes)
    raw = sys.stdin.buffer.read(limits.message_bytes + 1)
    try:
        container = bootstrap(settings, migrate=False)
    except Exception as exc:
        raise _fail(EX_TEMPFAIL, f"cannot open the database: {type(exc).__name__}") from None
    try:
        parsed, result = receive_mail(
            container.uow(), container.clock, raw, mailbox=mailbox, limits=limits,
            own_addresses=(settings.mail_from,), closed_mailboxes=settings.mail_closed_mailboxes,
        )  # fmt: skip
    except MailRefused as exc:
        raise _fail(EX_DATAERR, f"refused: {exc}") from None
    except Exception as exc:  # not stored: the MTA keeps it and tries again
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise _fail(EX_TEMPFAIL, f"not stored, try again: {type(exc).__name__}: {first}") from None
    finally:
        container.dispose()
    if as_json:
        document = {
            "ticket_id": result.ticket_id,
            "ticket_number": result.ticket_number,
            "created": result.created,
            "duplicate": result.duplicate,
            "outcome": result.outcome,
            "message_id": result.message_id,
            "from": parsed.sender.address if parsed.sender else None,
            "subject": parsed.subject,
            "body_text": result.body_text,
            "reason": result.reason,
        }
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    where = f"ticket #{result.ticket_number}" if result.ticket_number else "no ticket"
    how = "duplicate" if result.duplicate else "new" if result.created else result.outcome
    typer.echo(f"stored <{result.message_id}>: {where} ({how})")


@app.command("poll")
def poll(
    database_url: str | None = DATABASE_URL,
    imap_host: str = typer.Option(..., "--imap-host", help="The IMAP server."),
    imap_port: int | None = typer.Option(
        None, "--imap-port", help="[default: 993 with ssl, else 143]", show_default=False
    ),
    security: str = typer.Option("ssl", "--security", help="ssl, starttls or plain."),
    user: str = typer.Option(..., "--user", help="The IMAP login."),
    password_env: str | None = typer.Option(
        None, "--password-env", metavar="NAME", help="Read the password from this variable."
    ),
    password_file: Path | None = typer.Option(
        None, "--password-file", metavar="PATH", help="Read the password from this file."
    ),
    folder: str = typer.Option("INBOX", "--folder", help="The folder to take mail from."),
    move_to: str | None = typer.Option(
        None,
        "--move-to",
        metavar="FOLDER",
        help="Move stored mail here (created if missing) [default: mark it \\Seen]",
    ),
    mailbox: str | None = typer.Option(
        None, "--mailbox", help="The mailbox name the intake records [default: --user]"
    ),
    interval: float = typer.Option(
        60.0, "--interval", help="Seconds between rounds without IDLE (and the longest IDLE)."
    ),
    once: bool = typer.Option(False, "--once", help="One round, then exit."),
) -> None:
    """Take a mailbox's unseen mail by IMAP into the intake; mark it \\Seen (or move it)
    only once it is stored. Waits in IDLE where the server offers it."""
    from sladesk.channels.email import ImapPoller, ImapSettings

    if (password_env is None) == (password_file is None):
        raise _poll_fail("give exactly one of --password-env and --password-file")
    if password_env is not None:
        password = os.environ.get(password_env)
        if password is None:
            raise _poll_fail(f"--password-env: ${password_env} is not set")
    else:
        assert password_file is not None
        try:
            password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise _poll_fail(f"--password-file {password_file}: {exc.strerror}") from None
    if security not in ("ssl", "starttls", "plain"):
        raise _poll_fail(f"--security {security!r}: expected ssl, starttls or plain")
    settings = settings_for(database_url)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        container = bootstrap(settings, migrate=False)
    except Exception as exc:
        raise _poll_fail(f"cannot open the database: {type(exc).__name__}: {exc}") from None
    poller = ImapPoller(
        ImapSettings(host=imap_host, port=imap_port, security=security, user=user,
                     password=password, folder=folder, move_to=move_to, mailbox=mailbox,
                     interval=interval),
        container.uow, container.clock,
        limits=Limits(message_bytes=settings.mail_max_message_bytes),
        own_addresses=(settings.mail_from,), closed_mailboxes=settings.mail_closed_mailboxes,
    )  # fmt: skip
    signal.signal(signal.SIGTERM, lambda *_: poller.stop())
    try:
        last = poller.run(once=once)
    except KeyboardInterrupt:
        poller.stop()
        return
    except Exception as exc:
        raise _poll_fail(f"IMAP {imap_host}: {type(exc).__name__}: {exc}") from None
    finally:
        container.dispose()
    if once:
        typer.echo(f"stored {len(last.stored)}, refused {len(last.refused)}, "
                   f"left for later {len(last.failed)}")  # fmt: skip
        if last.failed:
            raise _poll_fail(f"not stored, left unseen: {last.errors[0]}", EX_TEMPFAIL)


def _poll_fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"sladesk mail poll: {message}", err=True)
    return typer.Exit(code)


def _ingest_mbox(settings: Settings, path: Path, mailbox: str | None, *, as_json: bool) -> None:
    """Every message of an mbox file, 50 per transaction (``receive_mail_batch``). Exit 0
    when each is stored or refused for good (refusals are listed on standard error), 75
    when some could not be stored now: running it again stores those (the others are
    known by their Message-ID)."""
    import mailbox as mbox_module

    from sladesk.channels.email import receive_mail_batch

    if not path.is_file():
        raise _fail(EX_DATAERR, f"--mbox {path}: no such file")
    box = mbox_module.mbox(str(path), create=False)
    raws = [box.get_bytes(key) for key in box.iterkeys()]  # as stored, without "From "
    try:
        container = bootstrap(settings, migrate=False)
    except Exception as exc:
        raise _fail(EX_TEMPFAIL, f"cannot open the database: {type(exc).__name__}") from None
    limits = Limits(message_bytes=settings.mail_max_message_bytes)
    counts = {"stored": 0, "duplicate": 0, "refused": 0, "failed": 0}
    try:
        for at in range(0, len(raws), 50):
            results = receive_mail_batch(
                container.uow(), container.clock, raws[at : at + 50], mailbox=mailbox,
                limits=limits, own_addresses=(settings.mail_from,),
                closed_mailboxes=settings.mail_closed_mailboxes,
            )  # fmt: skip
            for n, result in enumerate(results, start=at + 1):
                if isinstance(result, MailRefused):
                    counts["refused"] += 1
                    typer.echo(f"sladesk mail ingest: message {n} refused: {result}", err=True)
                elif isinstance(result, Exception):
                    counts["failed"] += 1
                    typer.echo(f"sladesk mail ingest: message {n} not stored: "
                               f"{type(result).__name__}", err=True)  # fmt: skip
                else:
                    counts["duplicate" if result.duplicate else "stored"] += 1
    finally:
        container.dispose()
    if as_json:
        typer.echo(json.dumps({"messages": len(raws), **counts}))
    else:
        typer.echo(", ".join(f"{v} {k}" for k, v in {"messages": len(raws), **counts}.items()))
    if counts["failed"]:
        raise typer.Exit(EX_TEMPFAIL)
