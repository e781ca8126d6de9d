"""`sladesk demo --no-serve` builds, for each seed policy, a database whose queue
(`sladesk tickets list`) shows running, paused, warned and breached tickets, and prints the
admin and agent tokens. `scripts/demo` and `sladesk demo` say what each step does, and print
the URLs, tokens and next commands last — after the server says it is up — and those work."""

from __future__ import annotations

import queue
import re
import signal
import sqlite3
import subprocess
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from test_cli_serve import SLADESK, clean_env, free_port

REPO = Path(__file__).resolve().parents[2]


EVERY_STATE = ("running", "paused", "warned", "breached")


@pytest.mark.parametrize(
    ("policy", "states"),
    [
        ("infraspeak", EVERY_STATE),
        ("blip-go", EVERY_STATE),
        ("aivo", EVERY_STATE),
        # LiveAgent's VIP policy pauses no clock (no pause_on): nothing can be paused
        ("liveagent-vip", ("running", "warned", "breached")),
    ],
)
def test_demo_queue_shows_every_sla_state(
    tmp_path: Path, policy: str, states: tuple[str, ...]
) -> None:
    db = tmp_path / "demo.db"
    env = clean_env(COLUMNS="200")
    built = subprocess.run(
        [str(SLADESK), "demo", "--policy", policy, "--no-serve", "--database", str(db)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert re.search(r"admin token: +sld_\S+ +\(admin@demo\.sladesk\.test\)", built.stdout)
    # Blip keeps closed conversations 3 months: the demo says what a purge would take
    said = (
        r"retention \(blip-go 2026-01\): closed conversations are purged 3 months after "
        r"closing; 0 due now; the first expires \d{4}-"
    )
    retention = re.search(said, built.stdout)
    assert (retention is not None) == (policy == "blip-go"), built.stdout
    # Blip announces maintenance: a scheduled window, and a partner outage pausing tickets
    staged = re.search(
        r"maintenance scheduled from \S+ \S+ UTC \(the portal's banner shows it\); incident "
        r"\d+ \(partner outage\) links ([1-9]) tickets, their clocks paused", built.stdout
    )  # fmt: skip
    assert (staged is not None) == (policy == "blip-go"), built.stdout
    # Aivo's feature-request space has proposals in the demo
    proposals = "feature requests: 6 proposals (proposed, under review, planned, released"
    assert (proposals in built.stdout) == (policy == "aivo"), built.stdout
    # policies taking mail: a delivery report marked a customer's address bouncing, which
    # the admin's mail page lists
    bounce = re.search(r"mail: (\S+@\S+) bounces \(a delivery report said so\): see /admin/mail",
                       built.stdout)  # fmt: skip
    assert (bounce is not None) == (policy != "blip-go"), built.stdout
    with closing(sqlite3.connect(db)) as conn:
        bouncing = [a for (a,) in conn.execute(
            "SELECT address FROM mail_addresses WHERE bouncing_since IS NOT NULL")]  # fmt: skip
    assert bouncing == ([bounce.group(1)] if bounce else []), bouncing
    # the console's tools have something to show: canned replies and the agent's saved views
    with closing(sqlite3.connect(db)) as conn:
        replies = [r for (r,) in conn.execute("SELECT title FROM canned_replies ORDER BY title")]
        views = conn.execute("SELECT count(*) FROM saved_views").fetchone()[0]
    assert "Acuse de recibo (es)" in replies and len(replies) == 4 and views == 4
    # LiveAgent VIP: dedicated and backup agents, an absence, a booked call, review calls
    dedicated = re.search(
        r"dedicated agent \(liveagent-vip\): \S.* for \S.*, backup \S.*; absent "
        r"\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d \(Europe/Lisbon\); "
        r"[1-9]\d* call\(s\) booked by customers, [1-9]\d* review call\(s\) proposed",
        built.stdout,
    )
    assert (dedicated is not None) == (policy == "liveagent-vip"), built.stdout
    # the other channels: a WhatsApp conversation where the policy offers WhatsApp, and
    # visitors waiting in the console's Live chat, each line naming what the database holds
    channels = re.search(r"^channels: (.*)$", built.stdout, re.M)
    assert channels is not None, built.stdout
    assert "2 visitors waiting in the console's Live chat (/chats" in channels.group(1)
    whatsapp = re.search(r"WhatsApp on ticket #(\d+)", channels.group(1))
    with closing(sqlite3.connect(db)) as conn:
        waiting = conn.execute(
            "SELECT count(*) FROM chat_sessions WHERE status = 'waiting'"
        ).fetchone()[0]
        on_whatsapp = [t for (t,) in conn.execute(
            "SELECT DISTINCT ticket_id FROM messages WHERE channel = 'whatsapp'")]  # fmt: skip
    assert waiting == 2
    if whatsapp is not None:
        assert int(whatsapp.group(1)) in on_whatsapp
    else:
        assert on_whatsapp == []
    listed = subprocess.run(
        [str(SLADESK), "tickets", "list", "--database-url", f"sqlite:///{db}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    for state in states:
        assert f" {state} " in listed.stdout, (state, listed.stdout)
    # the demo's history makes a report: its compliance line, and the command it prints
    assert re.search(r"^compliance \S+ – \S+: \w+ (\d+%|—) \(\d+ met", built.stdout, re.M)
    command = re.search(r"^  \S+ (report compliance --from \S+ --to \S+ .*)$", built.stdout,
                        re.M)  # fmt: skip
    assert command is not None, built.stdout
    report = subprocess.run(
        [str(SLADESK), *command[1].split()], env=env, capture_output=True, text=True, timeout=120
    )
    assert report.returncode == 0, report.stderr
    assert "SLA compliance" in report.stdout and "%" in report.stdout
    # the policies that offer WhatsApp have one WhatsApp conversation, answered by an agent,
    # and one whose 24-hour window has closed, with the approved templates cached to offer
    with sqlite3.connect(db) as conn:
        (whatsapp,) = conn.execute(
            "SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id "
            "WHERE t.channel = 'whatsapp' AND m.channel = 'whatsapp'"
        ).fetchone()
        (templates,) = conn.execute("SELECT count(*) FROM channel_templates").fetchone()
    offers_whatsapp = policy in ("blip-go", "infraspeak")
    assert (whatsapp, templates) == ((3, 2) if offers_whatsapp else (0, 0)), whatsapp
    # where the policy offers the phone channel: a call logged in hours (its summary
    # written), a voicemail with its recording and transcription (docs/channels.md)
    with sqlite3.connect(db) as conn:
        phone = dict(conn.execute(
            "SELECT substr(external_id, 1, instr(external_id, ':') - 1), count(*) FROM messages"
            " WHERE channel = 'phone' GROUP BY 1").fetchall())  # fmt: skip
        voicemails = conn.execute(
            "SELECT count(*) FROM tickets WHERE channel = 'phone' AND subject LIKE 'Voicemail%'"
        ).fetchone()[0]
        audio = conn.execute(
            "SELECT count(*) FROM attachments WHERE filename LIKE 'voicemail-RE%.wav'"
            " AND content_type = 'audio/x-wav' AND size > 1000"
        ).fetchone()[0]
    offered = policy in ("aivo", "liveagent-vip")
    expected = {"call": 1, "recording": 1, "transcription": 1} if offered else {}
    assert phone == expected and voicemails == int(offered), (phone, voicemails)
    assert audio == int(offered)  # the voicemail's audio is attached


def _summary_of(output: str) -> dict[str, str]:
    """The labelled lines of the block the demo prints last (``  API docs:  http://…``)."""
    return {
        m["label"]: m["value"]
        for m in re.finditer(r"^  (?P<label>[a-zA-Z ]+): +(?P<value>\S+)", output, re.M)
    }


def test_scripts_demo_says_each_step_and_ends_with_the_tokens_and_next_commands(
    tmp_path: Path,
) -> None:
    db = tmp_path / "demo.db"
    done = subprocess.run(
        [str(REPO / "scripts" / "demo"), "--no-serve", "--database", str(db)],
        env=clean_env(COLUMNS="200"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, in the order a terminal shows it
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout
    out = done.stdout
    steps = [
        out.index("scripts/demo: "),  # what the environment step does, and for how long
        out.index("scripts/demo: environment ready in "),
        out.index(f"sladesk demo: building {db}"),
        out.index("sladesk demo: built in "),
        out.index("sladesk demo built"),
    ]
    assert steps == sorted(steps), out
    tail = out[steps[-1] :]
    assert "admin token:" in tail and "agent token:" in tail, out
    last = [line for line in out.splitlines() if line.strip()][-1]
    assert last.strip().endswith(f"serve --database-url sqlite:///{db}"), out


def test_the_served_demo_prints_its_urls_and_tokens_last_and_they_work(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    port = free_port()
    lines: queue.Queue[str | None] = queue.Queue()
    with subprocess.Popen(
        [str(SLADESK), "demo", "--database", str(db), "--port", str(port)],
        cwd=REPO,
        env=clean_env(COLUMNS="200", PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        stream = proc.stdout
        threading.Thread(
            target=lambda: [lines.put(line) for line in stream] + [lines.put(None)], daemon=True
        ).start()
        seen: list[str] = []
        try:
            deadline = time.monotonic() + 120
            while not seen or "Ctrl-C stops the server." not in seen[-1]:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                assert line is not None, "".join(seen)
                seen.append(line)
            out = "".join(seen)
            assert (
                out.index("sladesk demo: starting the server")
                < out.index("Uvicorn running on")
                < out.index("sladesk demo is ready")
            ), out
            summary = _summary_of(out[out.index("sladesk demo is ready") :])
            token = summary["agent token"]
            listed = httpx.get(
                summary["API"], headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            assert listed.status_code == 200 and listed.json(), listed.text
            assert httpx.get(summary["API docs"], timeout=10).status_code == 200
            admin = httpx.get(
                summary["API"],
                headers={"Authorization": f"Bearer {summary['admin token']}"},
                timeout=10,
            )
            assert admin.status_code == 200
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
