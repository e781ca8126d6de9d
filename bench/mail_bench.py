"""Mail intake throughput: messages ingested per second, parse + store + SLA, in one
process (what ``sladesk mail ingest`` and the SMTP server do per message, without the
process start or the SMTP round trips), on SQLite and PostgreSQL.

The mix is realistic for a help desk: 55 % new requests from known contacts, 25 % replies
by the requester in the thread of their request (``In-Reply-To`` it), 10 % new requests
with a 60 KB PDF attached, 5 % from unknown addresses of a customer's domain (a contact is
created), 5 % auto-replies. (Until 2026-12-08 a reply's sender was any contact, so nine in
ten replies came from another organisation and opened a new ticket: the reply path was
barely measured.)
Every message has its own Message-ID; quoted text and HTML alternatives are included.

The peer (issue 13: the target is 5x django-helpdesk's ``get_email``): with ``--peer``
(``auto``, the default: when /tmp/djhd holds it or ``../shared/peers/django_helpdesk/
setup.sh`` can install it), django-helpdesk 2.6.1's ``get_email`` ingests **the same
messages** (one ``.eml`` file each in a queue's local mailbox directory, as that peer's
``extras.py`` does; ``bench/peer_get_email.py``), in its own process and a fresh database
of the same engine, right after ours: both rates, both processes' CPU per message, and the
ratios. ``get_email`` drains a mailbox, so batch 50 is the like-for-like comparison. It
reads the files in directory order (not sorted) and prints how many tickets and
follow-ups it made (on 1,000 messages, 873 tickets: it threads fewer of the replies than
we do, 705 tickets and 246 replies). The fixed figures once quoted
(137 / 63 msg/s) were its plain one-part messages, on a faster day of this machine.

    .venv/bin/python bench/mail_bench.py                    # both engines, 1000 messages
    .venv/bin/python bench/mail_bench.py --engines sqlite --messages 3000
    .venv/bin/python bench/mail_bench.py --batch 50          # a drained mailbox (IMAP)
    .venv/bin/python bench/mail_bench.py --batch 1,50 --rounds 2   # both, peer interleaved
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, make_url, text

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
#: django-helpdesk, installed by its peer's setup script (../shared/peers/django_helpdesk)
PEER_DIR = Path(os.environ.get("SLADESK_BENCH_PEER_DIR", "/tmp/djhd"))
PEER_PYTHON = PEER_DIR / "venv" / "bin" / "python"
PEER_SETUP = Path(__file__).resolve().parents[2] / "shared/peers/django_helpdesk/setup.sh"
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


def make_messages(messages: int, seed: int = 13) -> list[bytes]:
    """The bench's mix (see the module docstring), from the contacts :func:`run` creates."""
    contacts = [f"c{n}@org{n % 10}.test" for n in range(200)]
    rng = random.Random(seed)
    raws: list[bytes] = []
    sent: list[tuple[str, str]] = []  # (Message-ID, its sender) of each request
    for i in range(messages):
        roll = rng.random()
        thread = None
        if roll < 0.55:
            kind, sender = "new", rng.choice(contacts)
        elif roll < 0.80 and sent:  # the requester answers in the thread of their request
            kind, (thread, sender) = "reply", rng.choice(sent)
        elif roll < 0.90:
            kind, sender = "attachment", rng.choice(contacts)
        elif roll < 0.95:
            kind, sender = "stranger", f"new{i}@org{i % 10}.test"
        else:
            kind, sender = "auto", rng.choice(contacts)
        raw = _message(i, sender, kind, thread)
        if kind != "auto" and thread is None:
            sent.append((raw.split(b"Message-ID: <", 1)[1].split(b">", 1)[0].decode(), sender))
        raws.append(raw)
    return raws


def server_cpu_seconds() -> float | None:
    """The CPU time (user + system) of every PostgreSQL process on this machine so far, from
    ``/proc``; None where it cannot be read (another machine's server, no ``/proc``)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks, found = 0, False
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        if name.startswith(("postgres", "postmaster")):
            fields = rest.split()
            ticks += int(fields[11]) + int(fields[12])
            found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


#: the PostgreSQL server's CPU per message of the last :func:`run`, in ms (None: unknown)
LAST_SERVER_CPU: list[float | None] = [None]


def run(url: str, raws: list[bytes], batch: int = 1) -> tuple[float, float]:
    """(messages per second, CPU milliseconds of this process per message); on PostgreSQL
    the server's CPU per message is left in :data:`LAST_SERVER_CPU`."""
    container = bootstrap(Settings(database_url=url), migrate=True)
    try:
        uow, clock, system = container.uow(), container.clock, Actor.system("bench")
        publish_policy(uow, clock, system, POLICY, source="bench.yaml")
        orgs = [create_organization(uow, clock, system, NewOrganization(f"Org {n}", f"org{n}"))
                for n in range(10)]  # fmt: skip
        for n in range(200):
            org = orgs[n % len(orgs)]
            create_contact(uow, clock, system, NewContact(org.id, f"c{n}@org{n % 10}.test",
                                                          f"Contact {n}"))  # fmt: skip
        work = container.uow()
        server = server_cpu_seconds() if url.startswith("postgresql") else None
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
        after = server_cpu_seconds() if server is not None else None
        LAST_SERVER_CPU[0] = (
            (after - server) * 1000 / len(raws) if after is not None and server is not None
            else None
        )  # fmt: skip
    finally:
        container.dispose()
    return len(raws) / elapsed, cpu * 1000 / len(raws)


def _peer_available(mode: str) -> bool:
    """Whether django-helpdesk is installed for the side-by-side run (``auto``: install it
    with the peer's own setup script when it is not)."""
    if mode == "off":
        return False
    if PEER_PYTHON.exists() and (PEER_DIR / "hdpeer").is_dir():
        return True
    if PEER_SETUP.exists():
        print(f"# installing django-helpdesk into {PEER_DIR} ({PEER_SETUP})", flush=True)
        subprocess.run(["bash", str(PEER_SETUP)], check=False, stdout=subprocess.DEVNULL)
    ok = PEER_PYTHON.exists() and (PEER_DIR / "hdpeer").is_dir()
    if not ok and mode == "on":
        raise SystemExit(f"django-helpdesk is not installed in {PEER_DIR}: run {PEER_SETUP}")
    if not ok:
        print(f"# django-helpdesk not installed in {PEER_DIR}: our side only", flush=True)
    return ok


def run_peer(engine: str, raws: list[bytes], admin: Engine | None, prefix: str) -> dict[str, Any]:
    """django-helpdesk's ``get_email`` on the same messages, in its own process and a fresh
    database of its own (``bench/peer_get_email.py`` under the peer's virtualenv)."""
    with tempfile.TemporaryDirectory() as tmp:
        box = Path(tmp) / "in"
        box.mkdir()
        for n, raw in enumerate(raws):
            (box / f"{n:06d}.eml").write_bytes(raw)
        env = {**os.environ, "DJHD_DIR": tmp, "DJHD_DB": "sqlite"}
        name = None
        if engine != "sqlite":
            assert admin is not None
            url = make_url(PG_URL)
            name = f"{prefix}_peer_{uuid.uuid4().hex[:8]}"
            _pg(admin, f'CREATE DATABASE "{name}"')
            env.update(DJHD_DB="postgres", DJHD_PG_NAME=name, DJHD_PG_USER=url.username or "",
                       DJHD_PG_PASSWORD=url.password or "", DJHD_PG_HOST=url.host or "",
                       DJHD_PG_PORT=str(url.port or 5432))  # fmt: skip
        try:
            done = subprocess.run(
                [str(PEER_PYTHON), str(Path(__file__).with_name("peer_get_email.py")), str(box)],
                cwd=PEER_DIR / "hdpeer", env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
        finally:
            if name is not None and admin is not None:
                _pg(admin, f'DROP DATABASE "{name}" WITH (FORCE)')
    if done.returncode != 0:
        raise RuntimeError(f"the peer failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _pg(admin: Engine, statement: str) -> None:
    with admin.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text(statement))


def _ours(engine: str, raws: list[bytes], batch: int, admin: Engine | None,
          prefix: str) -> tuple[float, float]:  # fmt: skip
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return run(f"sqlite:///{Path(tmp) / 'bench.db'}", raws, batch=batch)
    assert admin is not None
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    _pg(admin, f'CREATE DATABASE "{name}"')
    try:
        return run(PG_URL.rsplit("/", 1)[0] + f"/{name}", raws, batch=batch)
    finally:
        _pg(admin, f'DROP DATABASE "{name}" WITH (FORCE)')


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--pg-prefix", default="mailbench",
                        help="the scratch PostgreSQL databases' name prefix")  # fmt: skip
    parser.add_argument("--batch", default="1",
                        help="messages per transaction, or a comma list (1: each its own, as "
                             "the pipe and SMTP; 50: a drained IMAP mailbox)")  # fmt: skip
    parser.add_argument("--peer", choices=("auto", "on", "off"), default="auto",
                        help="also run django-helpdesk's get_email on the same messages, "
                             "interleaved (auto: when installed or installable)")  # fmt: skip
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat ours and the peer's runs, interleaved, this many times",
    )
    args = parser.parse_args()
    batches = [int(b) for b in args.batch.split(",")]
    peer = _peer_available(args.peer)
    if peer:
        print("# both sides ingest the same messages (the mix above, written one .eml each "
              "to the peer's local mailbox); the peer: django-helpdesk's get_email, its own "
              "process and database; CPU = each process's own time, not the database "
              "server's", flush=True)  # fmt: skip
    admin = make_engine(PG_URL, pool_size=1) if args.engines != "sqlite" else None
    rows: dict[str, list[tuple[str, float, float]]] = {}
    try:
        for round_ in range(1, args.rounds + 1):
            for engine in args.engines.split(","):
                raws = make_messages(args.messages)
                for batch in batches:
                    rate, cpu = _ours(engine, raws, batch, admin, args.pg_prefix)
                    rows.setdefault(engine, []).append((f"sladesk batch {batch}", rate, cpu))
                    server = LAST_SERVER_CPU[0] if engine != "sqlite" else None
                    beside = f", server {server:.2f} ms CPU/msg" if server is not None else ""
                    print(f"{engine}: round {round_}, sladesk, {args.messages} messages, "
                          f"batch {batch}, {rate:.0f} msg/s, {cpu:.2f} ms CPU/msg{beside} "
                          f"(load {_load()})", flush=True)  # fmt: skip
                if peer:
                    got = run_peer(engine, raws, admin, args.pg_prefix)
                    done = got["messages"] - got["left_unprocessed"]
                    rate, cpu = done / got["elapsed_s"], got["cpu_s"] * 1000 / max(done, 1)
                    rows.setdefault(engine, []).append(("django-helpdesk get_email", rate, cpu))
                    print(f"{engine}: round {round_}, django-helpdesk get_email, {done} of "
                          f"{got['messages']} messages ({got['new_tickets']} tickets, "
                          f"{got['new_followups']} follow-ups), {rate:.0f} msg/s, {cpu:.2f} ms "
                          f"CPU/msg (load {_load()})", flush=True)  # fmt: skip
    finally:
        if admin is not None:
            admin.dispose()
    if peer:
        for engine, results in rows.items():
            theirs = [(r, c) for who, r, c in results if who.startswith("django")]
            peer_rate = sum(r for r, _ in theirs) / len(theirs)
            peer_cpu = sum(c for _, c in theirs) / len(theirs)
            for batch in batches:
                ours = [(r, c) for who, r, c in results if who == f"sladesk batch {batch}"]
                rate = sum(r for r, _ in ours) / len(ours)
                cpu = sum(c for _, c in ours) / len(ours)
                print(f"{engine}, batch {batch}: sladesk {rate:.0f} msg/s {cpu:.2f} ms CPU/msg; "
                      f"django-helpdesk {peer_rate:.0f} msg/s {peer_cpu:.2f} ms CPU/msg; "
                      f"ratio {rate / peer_rate:.1f}x in msg/s, {peer_cpu / cpu:.1f}x in CPU "
                      f"per message (means of {args.rounds} round(s))")  # fmt: skip


if __name__ == "__main__":
    main()
