"""`sladesk mail ingest`: one RFC 822 message on standard input, stored and filed — what an
MTA's pipe runs (Postfix ``mailbox_command`` or an alias ``|sladesk mail ingest``).

Exit status, as MTAs read it: 0 when the message is stored (also a bounce or an
auto-reply that opens no ticket, and a message stored before); 65 (``EX_DATAERR``, the
MTA bounces it) when it is refused — too big, not a message at all — with one line on
standard error saying why; 75 (``EX_TEMPFAIL``, the MTA retries later) when it could not be
stored now (the database is unreachable or locked).
"""

from __future__ import annotations

import json
import sys

import typer

from sladesk.bootstrap import bootstrap
from sladesk.channels.email import Limits, MailRefused, receive_mail
from sladesk.cli.db_cmd import DATABASE_URL, settings_for

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
) -> None:
    """Store and file one message read from standard input."""
    settings = settings_for(database_url)
    limits = Limits(message_bytes=settings.mail_max_message_bytes)
    raw = sys.stdin.buffer.read(limits.message_bytes + 1)
    try:
        container = bootstrap(settings, migrate=False)
    except Exception as exc:
        raise _fail(EX_TEMPFAIL, f"cannot open the database: {type(exc).__name__}") from None
    try:
        parsed, result = receive_mail(
            container.uow(), container.clock, raw, mailbox=mailbox, limits=limits,
            own_addresses=(settings.mail_from,),
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
