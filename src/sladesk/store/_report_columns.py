"""The compliance report's facts as columns (numpy arrays, one element per SLA projection row)
and the report's aggregation over them, vectorised: no SQL, no I/O, no Python loop per row.

Why: a report over a year of a busy desk (a million tickets, two million projection rows)
must answer in under 2 s on SQLite as well as PostgreSQL, and SQLite's ``GROUP BY`` sorts
every row (docs/performance.md, "Reports"). The packed copy of these columns is kept in
``report_chunks`` (``store/_report_chunks.py``); this module only computes.

The figures are exactly the SQL scan's (``store/_repo_reports.py``, the oracle):

- time buckets in the support team's zone from the zone's UTC offset spans
  ``(until, offset)`` (a ticket created before ``until`` has that span's offset), local day,
  ISO week (from Monday), month, keyed by their first day ``YYYY-MM-DD``;
- a running target whose deadline is not after ``now`` counts as breached;
- median and p90 of the business seconds of fulfilled targets as ``percentile_cont`` gives
  them: the values around rank ``(n - 1) * p``, ``low + (high - low) * frac``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "CODED",
    "IDS",
    "NO_DUE",
    "STATES",
    "Cell",
    "Columns",
    "Vocabulary",
    "aggregate",
    "micros",
]

#: the string columns, stored as codes into a vocabulary
CODED = ("plan", "priority", "type", "channel", "team", "metric", "state")
#: the id columns (None: -1)
IDS = ("organisation", "agent", "policy_version")
#: the states a cell counts, in ``ReportCell``'s order
STATES = ("met", "breached", "running", "paused", "pending")
#: ``due`` of a target without a deadline
NO_DUE = np.iinfo(np.int64).max
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = 86_400_000_000  # microseconds
_DENSE = 1 << 20  # group keys up to this many combinations are counted without a sort

Array = npt.NDArray[Any]
#: one cell: key (one value per dimension), metric, goal, the counts (with_target, met,
#: breached, running, paused, pending, fulfilled), median, p90
Counts = tuple[int, int, int, int, int, int, int]
Cell = tuple[tuple[Any, ...], str, bool, Counts, float | None, float | None]


def micros(at: datetime) -> int:
    """An aware instant as whole microseconds since the epoch (exact)."""
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class Vocabulary:
    """The strings of one coded column; code = position. Grows as rows are added."""

    values: list[str | None] = field(default_factory=list)
    _codes: dict[str | None, int] = field(default_factory=dict)

    def code(self, value: str | None) -> int:
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self.values)
            self.values.append(value)
        return found

    def remap(self, values: Sequence[str | None]) -> Array:
        """Codes in this vocabulary of another's positions (an array to index with)."""
        codes = [self.code(v) for v in values]
        size = len(self.values)
        narrow = np.uint8 if size <= 1 << 8 else np.uint16 if size <= 1 << 16 else np.int32
        return np.array(codes, dtype=narrow)


@dataclass
class Columns:
    """Projection rows as arrays of equal length. ``created``/``due`` are microseconds since
    the epoch (``due``: :data:`NO_DUE` when none); ids are -1 for none; the coded columns
    are positions in ``vocab[name]``; ``used`` is the business seconds (meaningful where
    ``fulfilled``)."""

    ticket: Array  # int64
    created: Array  # int64
    organisation: Array  # int64
    agent: Array  # int64
    policy_version: Array  # int64
    coded: dict[str, Array]  # name -> codes (the narrowest unsigned type that holds them)
    due: Array  # int64
    fulfilled: Array  # bool
    used: Array  # float64
    vocab: dict[str, Vocabulary]

    def __len__(self) -> int:
        return len(self.ticket)

    @classmethod
    def empty(cls, vocab: dict[str, Vocabulary] | None = None) -> Columns:
        i8 = np.zeros(0, dtype=np.int64)
        return cls(i8, i8, i8, i8, i8, {c: np.zeros(0, dtype=np.int32) for c in CODED}, i8,
                   np.zeros(0, dtype=bool), np.zeros(0, dtype=np.float64),
                   vocab or {c: Vocabulary() for c in CODED})  # fmt: skip

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> Columns:
        """From rows ``(ticket id, created µs, organisation, agent, policy version, plan,
        priority, type, channel, team, metric, state, due µs or None, fulfilled, used)``."""
        vocab = {c: Vocabulary() for c in CODED}
        n = len(rows)
        if not n:
            return cls.empty(vocab)

        columns = list(zip(*rows, strict=True))

        def ints(i: int, none: int = -1) -> Array:
            return np.fromiter((none if v is None else v for v in columns[i]), np.int64, n)

        coded = {}
        for k, c in enumerate(CODED):
            seen: dict[str | None, int] = {}
            codes = [seen.setdefault(v, len(seen)) for v in columns[5 + k]]
            for v in seen:  # in order of first appearance: code = position
                vocab[c].code(v)
            coded[c] = np.array(codes, dtype=np.int32)
        return cls(
            ticket=ints(0), created=ints(1), organisation=ints(2), agent=ints(3),
            policy_version=ints(4), coded=coded, due=ints(12, NO_DUE),
            fulfilled=np.array(columns[13], dtype=bool),
            used=np.array(columns[14], dtype=np.float64), vocab=vocab,
        )  # fmt: skip

    def take(self, index: Array) -> Columns:
        """The rows at ``index`` (a boolean mask or positions)."""
        return Columns(
            self.ticket[index], self.created[index], self.organisation[index],
            self.agent[index], self.policy_version[index],
            {c: a[index] for c, a in self.coded.items()}, self.due[index],
            self.fulfilled[index], self.used[index], self.vocab,
        )  # fmt: skip


def concat(parts: Sequence[Columns]) -> Columns:
    """One set of columns from several, their codes mapped into one vocabulary."""
    vocab = {c: Vocabulary() for c in CODED}
    coded: dict[str, list[Array]] = {c: [] for c in CODED}
    for p in parts:
        for c in CODED:
            table = vocab[c].remap(p.vocab[c].values)
            coded[c].append(table[p.coded[c]] if len(table) else p.coded[c])
    if not parts:
        return Columns.empty(vocab)

    def cat(name: str) -> Array:
        return np.concatenate([getattr(p, name) for p in parts])

    return Columns(
        cat("ticket"), cat("created"), cat("organisation"), cat("agent"),
        cat("policy_version"), {c: np.concatenate(a) for c, a in coded.items()}, cat("due"),
        cat("fulfilled"), cat("used"), vocab,
    )  # fmt: skip


def _local_days(created: Array, spans: Sequence[tuple[datetime | None, int]]) -> Array:
    """The local day (days since 1970-01-01) of each instant, by the offset span it falls
    in (the first span whose ``until`` is after it)."""
    untils = np.array([micros(u) for u, _ in spans if u is not None], dtype=np.int64)
    offsets = np.array([o for _, o in spans], dtype=np.int64) * 1_000_000
    if len(offsets) == 1:
        local = created + offsets[0]
    else:
        local = created + offsets[np.searchsorted(untils, created, side="right")]
    days: Array = np.floor_divide(local, _DAY)
    return days


def _dimension(
    name: str, cols: Columns, spans: Sequence[tuple[datetime | None, int]]
) -> tuple[Array, list[Any]]:
    """(codes 0..k-1 per row, the k key values) for one dimension."""
    if name in ("day", "week", "month"):
        days = _local_days(cols.created, spans)
        first = int(days.min()) if len(days) else 0
        relative = days - first
        # each day of the range -> the first day of its bucket, then the buckets numbered:
        # the per-row work is one subtraction and one lookup
        every = np.arange(first, first + (int(relative.max()) + 1 if len(days) else 0))
        if name == "week":  # 1970-01-01 was a Thursday: the Monday on or before
            every = every - (every + 3) % 7
        elif name == "month":
            months = every.astype("datetime64[D]").astype("datetime64[M]")
            every = months.astype("datetime64[D]").astype(np.int64)
        buckets, table = np.unique(every, return_inverse=True)
        labels = np.datetime_as_string(buckets.astype("datetime64[D]"))
        return table[relative], [str(x) for x in labels]
    if name in ("organisation", "agent"):
        values = cols.organisation if name == "organisation" else cols.agent
        low = int(values.min()) if len(values) else 0
        high = int(values.max()) if len(values) else 0
        if high - low < _DENSE:
            return values - low, [None if v < 0 else v for v in range(low, high + 1)]
        keys, codes = np.unique(values, return_inverse=True)
        return codes, [None if v < 0 else int(v) for v in keys]
    coded = cols.coded[name]
    return coded, list(cols.vocab[name].values)


def aggregate(
    cols: Columns,
    by: Sequence[str],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    spans: Sequence[tuple[datetime | None, int]],
    goal_versions: Sequence[int],
    organization_id: int | None = None,
) -> list[Cell]:
    """The report's cells over the rows created in ``[start, end)`` (of one organisation
    when ``organization_id`` is given), grouped by ``by``, the metric and goal-or-target."""
    keep = (cols.created >= micros(start)) & (cols.created < micros(end))
    if organization_id is not None:
        keep &= cols.organisation == organization_id
    if not keep.all():
        cols = cols.take(keep)
    if not len(cols):
        return []
    parts = [_dimension(d, cols, spans) for d in by]
    parts.append(_dimension("metric", cols, spans))
    goal = np.isin(cols.policy_version, np.array(list(goal_versions), dtype=np.int64))
    parts.append((goal.astype(np.int64), [False, True]))
    group = np.zeros(len(cols), dtype=np.int64)
    size = 1
    for codes, keys in parts:
        group = group * len(keys) + codes
        size *= len(keys)
    if size > _DENSE:
        combos, group = np.unique(group, return_inverse=True)
        size = len(combos)
    else:
        combos = np.arange(size, dtype=np.int64)
    # the state at ``now``: running past its deadline is breached
    state_codes = {s: cols.vocab["state"].code(s) for s in STATES}
    state = cols.coded["state"]
    lookup = np.full(len(cols.vocab["state"].values), len(STATES), dtype=np.int8)
    for i, s in enumerate(STATES):
        lookup[state_codes[s]] = i
    outcome = lookup[state]
    overdue = (state == state_codes["running"]) & (cols.due <= micros(now))
    outcome[overdue] = STATES.index("breached")
    width = len(STATES) + 1
    cell_state = group * width + outcome.astype(np.int64)
    counts = np.bincount(cell_state, minlength=size * width).reshape(size, width)
    total = counts.sum(axis=1)
    fulfilled_group = group[cols.fulfilled]
    fulfilled = np.bincount(fulfilled_group, minlength=size)
    p50, p90 = _percentiles(fulfilled_group, cols.used[cols.fulfilled], fulfilled, (0.5, 0.9))
    cells: list[Cell] = []
    for g in np.flatnonzero(total):
        combo = int(combos[g])
        key: list[Any] = []
        for _, keys in reversed(parts):
            combo, at = divmod(combo, len(keys))
            key.append(keys[at])
        key.reverse()
        *dims, metric, is_goal = key
        n = int(fulfilled[g])
        c = [int(x) for x in counts[g, : len(STATES)]]
        figures: Counts = (int(total[g]), c[0], c[1], c[2], c[3], c[4], n)
        cells.append((
            tuple(dims), str(metric), bool(is_goal), figures,
            float(p50[g]) if n else None, float(p90[g]) if n else None,
        ))  # fmt: skip
    return cells


def _percentiles(group: Array, values: Array, n: Array, ps: Sequence[float]) -> list[Array]:
    """Per group, ``percentile_cont(p)`` of its values (NaN where it has none)."""
    # by value, then stably by group: a radix sort when the groups fit 16 bits (three times
    # faster than ``lexsort`` on two million rows)
    if len(n) <= 1 << 16:
        by_value = np.argsort(values)
        order = by_value[np.argsort(group[by_value].astype(np.uint16), kind="stable")]
    else:
        order = np.lexsort((values, group))
    ordered = values[order]
    starts = np.cumsum(n) - n
    out = []
    last = len(ordered) - 1
    for p in ps:
        h = (n - 1) * p
        low = np.floor(h)
        frac = h - low
        at = np.clip(starts + low.astype(np.int64), 0, max(last, 0))
        nxt = np.clip(at + 1, 0, max(last, 0))
        if last < 0:
            out.append(np.full(len(n), np.nan))
            continue
        lo = ordered[at]
        hi = ordered[nxt]
        result = np.where(frac > 0, lo + frac * (hi - lo), lo)
        out.append(np.where(n > 0, result, np.nan))
    return out
