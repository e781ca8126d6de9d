"""The report's vectorised aggregation (store/_report_columns.py) against plain Python:
``percentile_cont`` per group (ties, one value, two values, many), local days, ISO weeks and
months from offset spans, overdue running targets counted as breached, the goal label."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

from sladesk.store._report_columns import Columns, aggregate, micros

START = datetime(2025, 1, 1, tzinfo=UTC)


def _cont(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    h = (len(v) - 1) * p
    low = math.floor(h)
    frac = h - low
    if frac == 0:
        return v[low]
    return v[low] + frac * (v[low + 1] - v[low])


def _rows(rng: random.Random, n: int) -> list[tuple[object, ...]]:
    rows = []
    for i in range(n):
        created = START + timedelta(seconds=rng.randrange(0, 300 * 86400))
        state = rng.choice(["met", "breached", "running", "paused", "pending"])
        due = created + timedelta(hours=rng.randrange(1, 2000)) if state == "running" else None
        fulfilled = state in ("met", "breached") and rng.random() < 0.9
        used = float(rng.choice([60, 120, 3600, rng.randrange(0, 10**6) / 7]))
        rows.append((i // 2 + 1, micros(created), rng.choice([1, 2, None]), None,
                     rng.choice([1, 2]), rng.choice(["standard", None]),
                     rng.choice(["urgent", "high"]), "incident", "portal", None,
                     rng.choice(["first_response", "resolution"]), state,
                     None if due is None else micros(due), fulfilled, used))  # fmt: skip
    return rows


def test_cells_match_plain_python() -> None:
    rng = random.Random(5)
    rows = _rows(rng, 3000)
    now = START + timedelta(days=200)
    # a zone one hour ahead until day 100, two hours after
    switch = START + timedelta(days=100, hours=1, seconds=1)
    spans = [(switch, 3600), (None, 7200)]
    cells = aggregate(Columns.from_rows(rows), ["week", "organisation"], start=START,
                      end=START + timedelta(days=365), now=now, spans=spans,
                      goal_versions=[2])  # fmt: skip
    expected: dict[tuple[object, ...], list[object]] = {}
    for r in rows:
        created = START + timedelta(microseconds=int(r[1]) - micros(START))  # type: ignore[arg-type]
        offset = 3600 if created < switch else 7200
        local = (created + timedelta(seconds=offset)).date()
        week = (local - timedelta(days=local.weekday())).isoformat()
        key = (week, r[2], r[10], r[4] == 2)
        state = r[11]
        if state == "running" and r[12] is not None and r[12] <= micros(now):  # type: ignore[operator]
            state = "breached"
        e = expected.setdefault(key, [0, 0, 0, 0, 0, 0, []])
        e[0] += 1  # type: ignore[operator]
        e[1 + ["met", "breached", "running", "paused", "pending"].index(str(state))] += 1  # type: ignore[operator]
        if r[13]:
            e[6].append(r[14])  # type: ignore[union-attr]
    got = {(k[0], k[1], m, g): (c, p50, p90) for k, m, g, c, p50, p90 in cells}
    assert set(got) == set(expected)
    for key, e in expected.items():
        used: list[float] = e[6]  # type: ignore[assignment]
        counts, p50, p90 = got[key]
        assert counts == (*e[:6], len(used))
        assert (p50, p90) == (_cont(used, 0.5), _cont(used, 0.9))


def test_months_and_days_are_first_local_days() -> None:
    rows = _rows(random.Random(9), 200)
    for by in ("month", "day"):
        cells = aggregate(Columns.from_rows(rows), [by], start=START,
                          end=START + timedelta(days=365), now=START, spans=[(None, -5 * 3600)],
                          goal_versions=[])  # fmt: skip
        keys = {c[0][0] for c in cells}
        for r in rows:
            local = (START + timedelta(microseconds=int(r[1]) - micros(START))  # type: ignore[arg-type]
                     - timedelta(hours=5)).date()  # fmt: skip
            first = local.replace(day=1) if by == "month" else local
            assert first.isoformat() in keys
        assert all(date.fromisoformat(str(k)) for k in keys)
