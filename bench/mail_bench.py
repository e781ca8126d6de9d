"""Mail intake throughput: messages ingested per second, parse + store + SLA, in one
process (what ``sladesk mail ingest`` and the SMTP server do per message, without the
process start or the SMTP round trips), on SQLite and PostgreSQL.

The mix is realistic for a help desk: 55 % new requests from known contacts, 25 % replies
in a thread (``In-Reply-To`` a request), 10 % new requests with a 60 KB PDF attached,
5 % from unknown addresses of a customer's domain (a contact is created), 5 % auto-replies.
Every message has its own Message-ID; quoted text and HTML alternatives are included.

The reference: django-helpdesk's ``get_email`` does 137 msg/s on SQLite and 63 on
PostgreSQL on the 2-core reference machine (issue 13); the target is 5x that.

    .venv/bin/python bench/mail_bench.py                    # both engines, 1000 messages
    .venv/bin/python bench/mail_bench.py --engines sqlite --messages 3000
    .venv/bin/python bench/mail_bench.py --batch 50          # a drained mailbox (IMAP)
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from sladesk.bootstrap import bootstrap
from sladesk.channels.email import receive_mail, receive_mail_batch
from sladesk.config import Settings
from sladesk.services import (
    Actor,
    NewContact,
    NewOrganization,
    create_contact,
    create_organization,
    publish_policy,
)
from sladesk.store import make_engine

PG_URL = os.environ.get(
    "SLADESK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POLICY = """\
policy: bench
version: "1"
locales: [en]
calendars:
  support: {timezone: Europe/Lisbon, hours: {mon-fri: ["09:00-18:00"]}}
priorities:
  normal: {label: {en: Normal}, definition: {en: "Everything"}}
default_priority: normal
types:
  question: {label: {en: Question}, definition: {en: "How do I..."}}
channels: [portal, email]
rules:
  - name: all
    targets:
      - {metric: first_response, calendar: support, durations: {normal: 8h}}
      - {metric: resolution, calendar: support, durations: {normal: 5bd}}
"""
PDF = base64.encodebytes(os.urandom(60_000)).decode()


def _message(i: int, sender: str, kind: str, thread: str | None) -> bytes:
    head = (
        f"From: Person {i} <{sender}>\r\nTo: support@desk.test\r\n"
        f"Subject: {'Re: ' if thread else ''}Request {i}: the export fails\r\n"
        f"Message-ID: <bench.{i}.{uuid.uuid4().hex}@mail.test>\r\n"
        "Date: Mon, 03 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    )
    if thread:
        head += f"In-Reply-To: <{thread}>\r\nReferences: <{thread}>\r\n"
    if kind == "auto":
        head += "Auto-Submitted: auto-replied\r\n"
    text = (
        f"Hello,\r\n\r\nThe export of report {i} fails with error 500 since this morning.\r\n"
        "Could you have a look?\r\n\r\nThanks,\r\nPerson\r\n-- \r\nPerson, Acme\r\n\r\n"
        "On Monday, Support wrote:\r\n> Earlier answer\r\n> with two lines\r\n"
    )
    html = f"<p>Hello,</p><p>The export of report {i} fails.</p><blockquote>Earlier</blockquote>"
    alternative = (
        '--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n' + text
        + '--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n' + html + "\r\n--A--\r\n"
    )  # fmt: skip
    if kind != "attachment":
        return (head + 'Content-Type: multipart/alternative; boundary="A"\r\n\r\n'
                + alternative).encode()  # fmt: skip
    return (
        head + 'Content-Type: multipart/mixed; boundary="M"\r\n\r\n'
        '--M\r\nContent-Type: multipart/alternative; boundary="A"\r\n\r\n' + alternative
        + '--M\r\nContent-Type: application/pdf; name="report.pdf"\r\n'
        'Content-Disposition: attachment; filename="report.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + PDF + "--M--\r\n"
    ).encode()  # fmt: skip


def run(url: str, messages: int, seed: int = 13, batch: int = 1) -> tuple[float, float]:
    """(messages per second, CPU milliseconds of this process per message)."""
    container = bootstrap(Settings(database_url=url), migrate=True)
    try:
        uow, clock, system = container.uow(), container.clock, Actor.system("bench")
        publish_policy(uow, clock, system, POLICY, source="bench.yaml")
        orgs = [create_organization(uow, clock, system, NewOrganization(f"Org {n}", f"org{n}"))
                for n in range(10)]  # fmt: skip
        contacts = []
        for n in range(200):
            org = orgs[n % len(orgs)]
            create_contact(uow, clock, system, NewContact(org.id, f"c{n}@org{n % 10}.test",
                                                          f"Contact {n}"))  # fmt: skip
            contacts.append(f"c{n}@org{n % 10}.test")
        rng = random.Random(seed)
        raws, sent = [], []
        for i in range(messages):
            roll = rng.random()
            thread = None
            if roll < 0.55:
                kind, sender = "new", rng.choice(contacts)
            elif roll < 0.80 and sent:
                kind, sender, thread = "reply", rng.choice(contacts), rng.choice(sent)
            elif roll < 0.90:
                kind, sender = "attachment", rng.choice(contacts)
            elif roll < 0.95:
                kind, sender = "stranger", f"new{i}@org{i % 10}.test"
            else:
                kind, sender = "auto", rng.choice(contacts)
            raw = _message(i, sender, kind, thread)
            if kind != "auto" and thread is None:
                sent.append(raw.split(b"Message-ID: <", 1)[1].split(b">", 1)[0].decode())
            raws.append(raw)
        work = container.uow()
        started, cpu = time.perf_counter(), time.process_time()
        if batch <= 1:  # one transaction per message: the pipe, the SMTP server
            for raw in raws:
                receive_mail(work, clock, raw, own_addresses=("support@desk.test",))
        else:  # a drained mailbox: one transaction per batch (IMAP poll)
            for at in range(0, len(raws), batch):
                results = receive_mail_batch(work, clock, raws[at : at + batch],
                                             own_addresses=("support@desk.test",))  # fmt: skip
                assert not any(isinstance(r, Exception) for r in results), results
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        container.dispose()
    return messages / elapsed, cpu * 1000 / messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--pg-prefix", default="mailbench",
                        help="the scratch PostgreSQL database's name prefix")  # fmt: skip
    parser.add_argument("--batch", type=int, default=1,
                        help="messages per transaction (1: each its own, as the pipe and SMTP; "
                             "50: a drained IMAP mailbox)")  # fmt: skip
    args = parser.parse_args()
    for engine in args.engines.split(","):
        if engine == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                rate, cpu = run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.messages,
                                batch=args.batch)  # fmt: skip
        else:
            name = f"{args.pg_prefix}_{uuid.uuid4().hex[:8]}"
            admin = make_engine(PG_URL, pool_size=1)
            with admin.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
                rate, cpu = run(url, args.messages, batch=args.batch)
            finally:
                with admin.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT")
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin.dispose()
        print(f"{engine}: {args.messages} messages, batch {args.batch}, {rate:.0f} msg/s, "
              f"{cpu:.1f} ms CPU/msg")  # fmt: skip


if __name__ == "__main__":
    main()
