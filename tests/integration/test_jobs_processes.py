"""The job runner inside the real processes: `sladesk worker --once` and the runner thread of
`sladesk serve` record the due milestones of a SQLite database they are pointed at."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from jobs_fixtures import MILESTONES_PER_TICKET, seed_due_tickets
from sqlalchemy import func, select

from sladesk.store import make_engine, upgrade
from sladesk.store._tables import SlaMilestone

SLADESK = Path(sys.executable).with_name("sladesk")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLADESK_")}
    return {**env, "SLADESK_LOG_LEVEL": "WARNING", "SLADESK_SWEEP_INTERVAL_SECONDS": "0.2"}


def _milestones(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count(SlaMilestone.id))).scalar_one())
    finally:
        engine.dispose()


def _seeded(tmp_path: Path, n: int) -> str:
    url = f"sqlite:///{tmp_path / 'proc.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_due_tickets(engine, n)  # due since two hours before the real now's test instant
    engine.dispose()
    return url


def test_worker_once_sweeps_what_is_due(tmp_path: Path) -> None:
    url = _seeded(tmp_path, 30)
    done = subprocess.run(
        [str(SLADESK), "worker", "--once", "--database-url", url],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # the worker's clock is the real one, well after the seeded instant: every target of the
    # 30 tickets has breached too (first response and resolution)
    assert _milestones(url) == 30 * (MILESTONES_PER_TICKET + 1)


def test_serve_runs_the_sweep_in_its_own_thread(tmp_path: Path) -> None:
    url = _seeded(tmp_path, 20)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with subprocess.Popen(
        [str(SLADESK), "serve", "--port", str(port), "--database-url", url],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        try:
            deadline = time.monotonic() + 60
            while _milestones(url) < 20 * (MILESTONES_PER_TICKET + 1):
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
            assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, out


def test_worker_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = _seeded(tmp_path, 5)
    with subprocess.Popen(
        [str(SLADESK), "worker", "--database-url", url],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        try:
            deadline = time.monotonic() + 60
            while _milestones(url) < 5 * (MILESTONES_PER_TICKET + 1):
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, out
    assert "SIGTERM: stopping after the batch in hand" in out
