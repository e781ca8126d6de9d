"""Benchmark SLA evaluation: how many tickets per second ``sladesk.sla.evaluate`` answers.

Why this file exists: a back-test replays every recorded ticket under a draft policy, and the
sweep re-evaluates every ticket it wakes. Issue 3 asks for >= 20,000 tickets/s on one core
(a million tickets in under a minute). This script generates tickets with a fixed seed
(~20 events each: customer messages, public replies, internal notes, pauses for the customer
and for a partner outage, re-prioritisations, solves and reopens) under a 3-target policy
(first_response, resolution with pauses, next_response) on Mon-Fri 09-18 Buenos Aires with
Argentina's holidays, then times ``evaluate`` over all of them in one process.

    .venv/bin/python bench/sla_bench.py                    # 100,000 tickets
    .venv/bin/python bench/sla_bench.py --quick            # 10,000 tickets, best of 2
    .venv/bin/python bench/sla_bench.py --tickets 20000 --profile   # where the time goes
    .venv/bin/python bench/sla_bench.py --compare          # compiled, then pure, and the ratio
    .venv/bin/python bench/sla_bench.py --pure             # the pure Python sources only

The figure is wall-clock time, printed next to the load average (``os.getloadavg``) and the
process's CPU time: the machine is shared, and under load the wall figure counts the time
the process waited for a core. It says whether ``sladesk.sla`` ran compiled (mypyc,
``scripts/compile``) or as pure Python; ``--pure`` runs this script again in a child process
from a copy of ``src/sladesk`` without the compiled files. Output goes to stdout only.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import sladesk
import sladesk.sla
from sladesk.policy import Policy, load_policy
from sladesk.sla import Author, Event, EventKind, TicketFacts, evaluate

POLICY = """
policy: bench
version: "1"
locales: [en]
calendars:
  ba:
    timezone: America/Argentina/Buenos_Aires
    hours: {mon-fri: ["09:00-18:00"]}
    holidays: {country: AR}
priorities:
  urgent: {label: {en: Urgent}, definition: {en: "-"}}
  high: {label: {en: High}, definition: {en: "-"}}
  normal: {label: {en: Normal}, definition: {en: "-"}}
types:
  incident: {label: {en: Incident}, definition: {en: "-"}}
  question: {label: {en: Question}, definition: {en: "-"}}
rules:
  - name: support
    targets:
      - metric: first_response
        calendar: ba
        durations: {urgent: 1h, high: 4h, normal: 8h}
        warn: ["75%"]
      - metric: resolution
        calendar: ba
        durations: {urgent: 1bd, high: 3bd, normal: 40h}
        pause_on: [pending_customer, "on_hold:partner_outage"]
        warn: ["75%", 1h]
      - metric: next_response
        calendar: ba
        durations: {urgent: 2h, high: 4h, normal: 8h}
"""

SEED = 20261123
PRIORITIES = ("urgent", "high", "normal")


def generate(n: int, seed: int = SEED) -> list[tuple[TicketFacts, list[Event], datetime]]:
    """``n`` tickets of about 20 events each, and a ``now`` for each."""
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    out: list[tuple[TicketFacts, list[Event], datetime]] = []
    for _ in range(n):
        t = base + timedelta(seconds=rng.randrange(0, 330 * 86400))
        prio = rng.choice(PRIORITIES)
        facts = TicketFacts(type=rng.choice(("incident", "question")), priority=prio)
        events = [Event(t, EventKind.CREATED), Event(t, EventKind.MESSAGE, author=Author.CUSTOMER)]
        status = "new"
        for _ in range(rng.randint(16, 22)):
            t += timedelta(seconds=int(rng.expovariate(1 / 7200)) + 60)
            r = rng.random()
            if r < 0.30:
                events.append(Event(t, EventKind.MESSAGE, author=Author.CUSTOMER))
                if status in ("pending_customer", "solved"):
                    status = "open"
                    events.append(Event(t, EventKind.STATUS, status=status))
            elif r < 0.60:
                events.append(Event(t, EventKind.MESSAGE, author=Author.AGENT, public=True))
            elif r < 0.70:
                events.append(Event(t, EventKind.MESSAGE, author=Author.AGENT, public=False))
            elif r < 0.80:
                status = "pending_customer"
                events.append(Event(t, EventKind.STATUS, status=status))
            elif r < 0.85:
                status = "on_hold"
                reason = rng.choice(("partner_outage", "development"))
                events.append(Event(t, EventKind.STATUS, status=status, reason=reason))
            elif r < 0.90:
                status = "open"
                events.append(Event(t, EventKind.STATUS, status=status))
            elif r < 0.94:
                prio = rng.choice(PRIORITIES)
                events.append(Event(t, EventKind.PRIORITY, priority=prio, reason="triage"))
            elif r < 0.97:
                status = "solved"
                events.append(Event(t, EventKind.STATUS, status=status))
            else:
                events.append(Event(t, EventKind.ASSIGNED, assignee="agent@example.com"))
        # Some tickets are looked at mid-history (a live sweep), most after their last event.
        last = events[-1].at
        if rng.random() < 0.3:
            now = events[len(events) // 2].at + timedelta(minutes=5)
        else:
            now = last + timedelta(seconds=rng.randrange(0, 3 * 86400))
        out.append((facts, events, now))
    return out


def run(policy: Policy, tickets: list[tuple[TicketFacts, list[Event], datetime]]) -> Counter[str]:
    states: Counter[str] = Counter()
    for facts, events, now in tickets:
        for target in evaluate(policy, facts, events, now).targets:
            states[f"{target.metric}:{target.state}"] += 1
    return states


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeats", type=int, default=3, help="best of N timed passes")
    parser.add_argument("--profile", action="store_true", help="cProfile one pass instead")
    parser.add_argument(
        "--quick", action="store_true", help="10,000 tickets, best of 2 (a quick check)"
    )
    parser.add_argument(
        "--pure",
        action="store_true",
        help="run the pure Python sources (a copy of src/sladesk without the compiled files)",
    )
    parser.add_argument(
        "--compare", action="store_true", help="run here, then --pure, and print the ratio"
    )
    parser.add_argument("--result-file", help=argparse.SUPPRESS)  # for the --pure child
    args = parser.parse_args(argv)
    if args.pure or args.compare:
        rest = [a for a in (sys.argv[1:] if argv is None else argv) if a not in _OURS]
        if args.pure:
            return 0 if _run_pure(rest) is not None else 1
        here = _measure(args)
        if here is None:
            return 0
        print("--- the same with the pure Python sources:", flush=True)
        pure = _run_pure(rest)
        if pure is None:
            return 1
        what = "compiled" if sladesk.sla.COMPILED else "pure (nothing compiled here)"
        print(
            f"{what} / pure: {here['cpu'] / pure['cpu']:.2f}x by CPU time "
            f"({here['cpu']:,.0f} / {pure['cpu']:,.0f} tickets/s), "
            f"{here['wall'] / pure['wall']:.2f}x by wall time "
            f"({here['wall']:,.0f} / {pure['wall']:,.0f} tickets/s)"
        )
        return 0
    return 0 if _measure(args) is not None or args.profile else 1


_OURS = ("--pure", "--compare")


def _run_pure(args: list[str]) -> dict[str, float] | None:
    """This script again, in a child process whose ``sladesk`` is a copy of the sources
    without the compiled files; its output passes through. Its figures, or None."""
    with tempfile.TemporaryDirectory(prefix="sla-bench-pure-") as tmp:
        src = Path(tmp) / "src"
        ignore = shutil.ignore_patterns(
            *(f"*{s}" for s in EXTENSION_SUFFIXES), "__pycache__", "native-stamp.json"
        )
        shutil.copytree(Path(sladesk.__file__).parent, src / "sladesk", ignore=ignore)
        result = Path(tmp) / "result.json"
        env = {**os.environ, "PYTHONPATH": str(src)}
        done = subprocess.run(
            [sys.executable, __file__, *args, "--result-file", str(result)], env=env, check=False
        )
        if done.returncode != 0 or not result.exists():
            return None
        figures: dict[str, float] = json.loads(result.read_text(encoding="utf-8"))
        return figures


def _measure(args: argparse.Namespace) -> dict[str, float] | None:
    """The benchmark as the options say; its figures (tickets/s), or None for --profile."""
    if args.quick:
        args.tickets = min(args.tickets, 10_000)
        args.repeats = min(args.repeats, 2)

    policy = load_policy(POLICY, "bench-policy.yaml")
    t0 = time.perf_counter()
    tickets = generate(args.tickets, args.seed)
    n_events = sum(len(e) for _, e, _ in tickets)
    print(
        f"generated {len(tickets):,} tickets, {n_events:,} events "
        f"({n_events / len(tickets):.1f}/ticket) in {time.perf_counter() - t0:.1f} s"
    )
    run(policy, tickets[:1000])  # warm: compile the policy and the calendar's years
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run(policy, tickets)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return None
    best = best_cpu = float("inf")
    states: Counter[str] = Counter()
    load = os.getloadavg()
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        c0 = time.process_time()
        states = run(policy, tickets)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    load = tuple(max(a, b) for a, b in zip(load, os.getloadavg(), strict=True))
    path = "compiled (mypyc)" if sladesk.sla.COMPILED else "pure Python"
    print(
        f"python {platform.python_version()} on {platform.machine()}, one core; "
        f"sladesk.sla {path} (COMPILED={sladesk.sla.COMPILED})"
    )
    print(
        f"evaluate: {len(tickets):,} tickets in {best:.2f} s (best of {args.repeats}) = "
        f"{len(tickets) / best:,.0f} tickets/s, {n_events / best:,.0f} events/s "
        f"[load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores; "
        f"CPU time {best_cpu:.2f} s = {len(tickets) / best_cpu:,.0f} tickets/s]"
    )
    print("outcomes:", ", ".join(f"{k} {v}" for k, v in sorted(states.items())))
    figures = {"wall": len(tickets) / best, "cpu": len(tickets) / best_cpu}
    if args.result_file:
        Path(args.result_file).write_text(json.dumps(figures), encoding="utf-8")
    return figures


if __name__ == "__main__":
    sys.exit(main())
