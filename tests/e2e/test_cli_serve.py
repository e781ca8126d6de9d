"""`sladesk serve` as a real process: it migrates a fresh SQLite file, answers HTTP on a free
loopback port with the job runner beside it, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SLADESK = Path(sys.executable).with_name("sladesk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLADESK_")}
    return {**env, **extra}


def wait_for(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"sladesk exited early with {proc.returncode}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def test_serve_answers_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "sladesk.db"
    port = free_port()
    with subprocess.Popen(
        [str(SLADESK), "serve", "--port", str(port), "--database-url", f"sqlite:///{db}"],
        cwd=tmp_path,
        env=clean_env(SLADESK_LOG_LEVEL="WARNING"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        try:
            response = wait_for(f"http://127.0.0.1:{port}/api/v1/health", proc)
            assert response.status_code == 200
            assert db.exists()  # migrated on start
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output
