"""The runner loop: rounds over its jobs, survives a failing batch, sleeps when idle, stops
promptly from another thread (as `sladesk serve` stops it)."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from sladesk.jobs.runner import Runner


class Scripted:
    """Hands out ``work`` items, one batch per call; raises on the calls listed in ``fail``."""

    def __init__(self, name: str, batches: list[int], fail: frozenset[int] = frozenset()) -> None:
        self.name = name
        self.batches = list(batches)
        self.fail = fail
        self.calls = 0

    def run_once(self) -> int:
        self.calls += 1
        if self.calls in self.fail:
            raise RuntimeError(f"batch {self.calls} broke")
        return self.batches.pop(0) if self.batches else 0


def test_drain_runs_rounds_until_nothing_is_due_and_survives_a_failing_batch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    a = Scripted("a", [5, 5, 2], fail=frozenset({2}))
    b = Scripted("b", [1])
    with caplog.at_level(logging.ERROR, logger="sladesk.jobs"):
        total = Runner([a, b]).drain()
    assert total == 5 + 1 + 5 + 2  # the failed call handed out nothing and lost nothing
    assert "job a failed" in caplog.text


def test_a_started_runner_stops_promptly_even_while_idle() -> None:
    job = Scripted("idle", [])
    runner = Runner([job], idle=60.0)
    runner.start()
    deadline = time.monotonic() + 5
    while job.calls == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    runner.stop(timeout=5)
    assert time.monotonic() - started < 1.0  # not the 60 s idle sleep
    assert not any(t.name == "sladesk-jobs" for t in threading.enumerate())
