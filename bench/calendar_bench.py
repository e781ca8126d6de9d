"""Benchmark sladesk's business calendar against its peers, and count everyone's wrong answers.

Why this file exists: DESIGN.md section 2 promises SLA clocks that are exact and fast. This
script is the evidence: the same random cases (fixed seed) go through ``sladesk.calendar``,
businesstimedelta, pandas' ``CustomBusinessHour`` and workclock in one process; it prints
ops/s, sladesk's speed ratio to each peer, and how many results each gets wrong against the
independent oracle in ``bench/oracle.py``. ``--self-check`` first proves the oracle right with
a brute-force minute-by-minute scan.

    .venv/bin/python bench/calendar_bench.py              # full run (a few minutes)
    .venv/bin/python bench/calendar_bench.py --quick      # smaller samples, same shape
    .venv/bin/python bench/calendar_bench.py --self-check # oracle vs brute force (+ sladesk)

Output goes to stdout only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import operator
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oracle import (  # noqa: E402  (bench/ is not a package: the oracle sits beside us)
    DAY_US,
    HOUR_US,
    MINUTE_US,
    US,
    OracleCalendar,
    date_of_day_number,
    day_number,
    from_us,
    offset_segments,
    to_us,
    weekly_from,
)

SEED = 20261123
YEARS = range(2023, 2030)  # holidays loaded for every library: cases span 2024-2027 (+30 days)
T0_US = to_us(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
T1_US = to_us(dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
MAX_SPAN_US = 30 * DAY_US
ALL_DAYS = range(7)
WEEKDAYS = range(5)

# --------------------------------------------------------------------------------------------
# Calendars


@dataclass(frozen=True)
class BenchCalendar:
    """One calendar, described once and expressed in each library's own terms."""

    key: str
    label: str
    zone: str
    days: tuple[int, ...]
    start: dt.time
    end: dt.time  # end <= start: the range crosses midnight; 00:00-00:00 is a whole day
    holiday_country: str | None = None
    is_24x7: bool = False
    holidays: frozenset[dt.date] = field(default=frozenset(), compare=False)

    @property
    def range_minutes(self) -> tuple[int, int]:
        s = self.start.hour * 60 + self.start.minute
        e = self.end.hour * 60 + self.end.minute
        return (s, e if e > s else e + 1440)

    @property
    def range_text(self) -> str:
        s, e = self.range_minutes
        return f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"

    @property
    def day_us(self) -> int:
        """Open time of one full business day (used to size durations)."""
        s, e = self.range_minutes
        return (e - s) * MINUTE_US

    @property
    def whole_day(self) -> bool:
        s, e = self.range_minutes
        return e - s == 1440

    def oracle(self) -> OracleCalendar:
        return OracleCalendar(
            self.key, self.zone, weekly_from(self.days, [self.range_minutes]), self.holidays
        )

    def sladesk_spec(self) -> dict[str, Any]:
        if self.is_24x7:
            return {"timezone": self.zone, "hours": "24x7"}
        days = "daily" if self.days == tuple(ALL_DAYS) else "mon-fri"
        s, e = self.range_minutes
        e_shown = e if e <= 1440 else e - 1440
        text = f"{s // 60:02d}:{s % 60:02d}-{e_shown // 60:02d}:{e_shown % 60:02d}"
        spec: dict[str, Any] = {"timezone": self.zone, "hours": {days: [text]}}
        if self.holiday_country:
            spec["holidays"] = {"country": self.holiday_country}
        return spec


def load_holidays(country: str | None) -> frozenset[dt.date]:
    if country is None:
        return frozenset()
    import holidays

    return frozenset(holidays.country_holidays(country, years=YEARS))


def make_calendars() -> list[BenchCalendar]:
    t = dt.time
    specs = [
        BenchCalendar(
            "aivo", "Aivo: Mon-Fri 09-18 Buenos Aires + AR holidays",
            "America/Argentina/Buenos_Aires", tuple(WEEKDAYS), t(9), t(18), "AR",
        ),
        BenchCalendar(
            "infraspeak", "Infraspeak: Mon-Fri 09-21 Lisbon + PT holidays",
            "Europe/Lisbon", tuple(WEEKDAYS), t(9), t(21), "PT",
        ),
        BenchCalendar(
            "liveagent", "LiveAgent: Mon-Fri 09-17 CET",
            "CET", tuple(WEEKDAYS), t(9), t(17),
        ),
        BenchCalendar(
            "24x7", "24x7 UTC", "UTC", tuple(ALL_DAYS), t(0), t(0), is_24x7=True,
        ),
        BenchCalendar(
            "ny-days", "DST stress: daily 00:00-24:00 New York (23 h / 25 h days)",
            "America/New_York", tuple(ALL_DAYS), t(0), t(0),
        ),
        BenchCalendar(
            "berlin-nights", "DST stress: daily 22:00-06:00 Berlin (shift crosses midnight+DST)",
            "Europe/Berlin", tuple(ALL_DAYS), t(22), t(6),
        ),
    ]  # fmt: skip
    return [
        BenchCalendar(
            c.key, c.label, c.zone, c.days, c.start, c.end, c.holiday_country, c.is_24x7,
            load_holidays(c.holiday_country),
        )
        for c in specs
    ]  # fmt: skip


# The self-check adds a nasty one: both range ends sit inside the DST gap / fold.
DST_EDGES = BenchCalendar(
    "ny-edges", "self-check only: daily 01:30-02:30 New York (ends in the gap and the fold)",
    "America/New_York", tuple(ALL_DAYS), dt.time(1, 30), dt.time(2, 30),
)  # fmt: skip

# --------------------------------------------------------------------------------------------
# Cases


@dataclass
class Cases:
    """Integer microseconds since the epoch (instants) and microseconds (durations)."""

    add_starts: list[int]
    add_durs: list[int]
    el_starts: list[int]
    el_ends: list[int]


def draw_starts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform over 2024-2027, half at second and half at minute resolution."""
    secs = rng.integers(T0_US // US, T1_US // US, size=n, dtype=np.int64)
    minute = rng.random(n) < 0.5
    secs = np.where(minute, secs - secs % 60, secs)
    return secs * US


def draw_durations(rng: np.random.Generator, n: int, day_us: int) -> np.ndarray:
    """1 minute to ~5 business days, log-uniform (so short and long both show up)."""
    lo, hi = np.log(60.0), np.log(5 * day_us / US)
    secs = np.exp(rng.uniform(lo, hi, size=n)).astype(np.int64)
    minute = rng.random(n) < 0.5
    secs = np.where(minute, np.maximum(60, secs - secs % 60), secs)
    return secs * US


def draw_spans(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, MAX_SPAN_US // US + 1, size=n, dtype=np.int64) * US


def make_cases(rng: np.random.Generator, n: int, cal: BenchCalendar) -> Cases:
    starts = draw_starts(rng, n)
    durs = draw_durations(rng, n, cal.day_us)
    el_starts = draw_starts(rng, n)
    el_ends = el_starts + draw_spans(rng, n)
    return Cases(starts.tolist(), durs.tolist(), el_starts.tolist(), el_ends.tolist())


def case_streams() -> dict[str, tuple[np.random.Generator, np.random.Generator]]:
    """Per calendar, a generator for the scalar cases and one for the arrays, all spawned
    from ``default_rng(SEED)``: a calendar's cases do not depend on which others run."""
    keys = [c.key for c in make_calendars()]
    children = np.random.default_rng(SEED).spawn(2 * len(keys))
    return {k: (children[2 * i], children[2 * i + 1]) for i, k in enumerate(keys)}


def pandas_hours(durs_us: Sequence[int]) -> list[int]:
    """pandas' offsets take a whole number of business hours: the duration rounded down."""
    return [max(1, d // HOUR_US) for d in durs_us]


# --------------------------------------------------------------------------------------------
# Libraries: each gives, per calendar and op, a callable plus its prepared native inputs.


class NotExpressible(Exception):
    """The library cannot express this calendar or operation; the message says why."""


@dataclass
class OpRunner:
    call: Callable[[Any, Any], Any]
    xs: Sequence[Any]
    ys: Sequence[Any]
    result_us: Callable[[Any], int]
    expected: Sequence[int]
    note: str = ""


def _dts(us: Sequence[int]) -> list[dt.datetime]:
    return [from_us(x) for x in us]


def _tds(us: Sequence[int]) -> list[dt.timedelta]:
    return [dt.timedelta(microseconds=x) for x in us]


def _td_us(td: dt.timedelta) -> int:
    return td // dt.timedelta(microseconds=1)


class Library:
    name = ""

    def version(self) -> str:
        return importlib.metadata.version(self.name)

    def runner(
        self, cal: BenchCalendar, op: str, cases: Cases, expected: dict[str, list[int]]
    ) -> OpRunner:
        raise NotImplementedError


class Sladesk(Library):
    name = "sladesk"

    def __init__(self) -> None:
        from sladesk.calendar import Calendar

        self.Calendar = Calendar
        self._built: dict[str, Any] = {}

    def build(self, cal: BenchCalendar) -> Any:
        if cal.key not in self._built:
            self._built[cal.key] = self.Calendar.from_spec(cal.sladesk_spec())
        return self._built[cal.key]

    def runner(
        self, cal: BenchCalendar, op: str, cases: Cases, expected: dict[str, list[int]]
    ) -> OpRunner:
        c = self.build(cal)
        if op == "add":
            return OpRunner(
                c.add, _dts(cases.add_starts), _tds(cases.add_durs), to_us, expected["add"]
            )
        return OpRunner(
            c.elapsed, _dts(cases.el_starts), _dts(cases.el_ends), _td_us, expected["elapsed"]
        )


class Workclock(Library):
    name = "workclock"

    def build(self, cal: BenchCalendar) -> Any:
        import workclock

        rules: list[Any] = [workclock.WorkDay(cal.start, cal.end, days=cal.days)]
        if cal.holidays:
            rules.append(workclock.Holidays(sorted(cal.holidays)))
        return workclock.Schedule(rules, time_zone=cal.zone)

    def runner(
        self, cal: BenchCalendar, op: str, cases: Cases, expected: dict[str, list[int]]
    ) -> OpRunner:
        s = self.build(cal)
        if op == "add":
            return OpRunner(
                s.add, _dts(cases.add_starts), _tds(cases.add_durs), to_us, expected["add"]
            )
        return OpRunner(
            s.between, _dts(cases.el_starts), _dts(cases.el_ends), _td_us, expected["elapsed"]
        )


class BusinessTimeDelta(Library):
    name = "businesstimedelta"

    def build(self, cal: BenchCalendar) -> Any:
        import businesstimedelta as btd
        import pytz

        if cal.whole_day:
            raise NotExpressible(
                "no 24-hour day: 00:00-00:00 is an empty day (add never returns); "
                "split overnight rules skip the rest of a started shift"
            )
        rules: list[Any] = [
            btd.WorkDayRule(
                start_time=cal.start,
                end_time=cal.end,
                working_days=list(cal.days),
                tz=pytz.timezone(cal.zone),
            )
        ]
        if cal.holidays:
            # A set, not a list: its HolidayRule tests membership day by day.
            rules.append(btd.HolidayRule(set(cal.holidays), tz=pytz.timezone(cal.zone)))
        return btd.Rules(rules)

    def runner(
        self, cal: BenchCalendar, op: str, cases: Cases, expected: dict[str, list[int]]
    ) -> OpRunner:
        import businesstimedelta as btd

        rules = self.build(cal)
        if op == "add":
            deltas = [btd.BusinessTimeDelta(rules, timedelta=d) for d in _tds(cases.add_durs)]
            # datetime + BusinessTimeDelta, the library's documented form.
            return OpRunner(operator.add, _dts(cases.add_starts), deltas, to_us, expected["add"])
        return OpRunner(
            rules.difference,
            _dts(cases.el_starts),
            _dts(cases.el_ends),
            lambda r: _td_us(r.timedelta),
            expected["elapsed"],
        )


class PandasCBH(Library):
    name = "pandas"

    def runner(
        self, cal: BenchCalendar, op: str, cases: Cases, expected: dict[str, list[int]]
    ) -> OpRunner:
        import pandas as pd
        from pandas.tseries.offsets import CustomBusinessHour

        if op == "elapsed":
            raise NotExpressible("CustomBusinessHour is an offset: it adds, it cannot measure")
        if cal.whole_day:
            raise NotExpressible("CustomBusinessHour rejects a 24-hour day (start == end)")
        weekmask = " ".join(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d] for d in cal.days)
        hours = pandas_hours(cases.add_durs)
        offsets: dict[int, Any] = {}
        for n in set(hours):
            offsets[n] = CustomBusinessHour(
                n=n,
                start=cal.start.strftime("%H:%M"),
                end=cal.end.strftime("%H:%M"),
                weekmask=weekmask,
                holidays=sorted(cal.holidays),
            )
        # Business hours apply to the wall clock of the timestamp: give it the calendar's zone.
        starts = [pd.Timestamp(t).tz_convert(cal.zone) for t in _dts(cases.add_starts)]
        return OpRunner(
            operator.add,
            starts,
            [offsets[n] for n in hours],
            lambda r: int(r.value) // 1000,
            expected["add_hours"],
            note="whole hours",
        )


# --------------------------------------------------------------------------------------------
# Measuring


def run_loop(call: Callable[[Any, Any], Any], xs: Sequence[Any], ys: Sequence[Any]) -> list[Any]:
    """The timed loop, the same for every library; an exception counts as a wrong result."""
    out: list[Any] = []
    append = out.append
    for x, y in zip(xs, ys, strict=True):
        try:
            append(call(x, y))
        except Exception as exc:  # noqa: BLE001 - a peer's failure is a result to count
            append(exc)
    return out


@dataclass
class Row:
    library: str
    calendar: str
    op: str
    ops: float | None = None
    timed: int = 0
    wrong: int = 0
    errors: int = 0
    checked: int = 0
    note: str = ""
    first_wrong: list[tuple[int, int, Any, Any]] = field(default_factory=list)


@dataclass
class Timed:
    """One library's runner for one calendar and op, with its timings so far."""

    lib: str
    runner: OpRunner
    n_timed: int
    n_checked: int
    best: float = float("inf")
    results: list[Any] = field(default_factory=list)


def measure_all(cal: BenchCalendar, op: str, timed: list[Timed], repeats: int) -> list[Row]:
    """Best of ``repeats`` for each library, the libraries interleaved within each repeat so
    that load from other processes falls on all of them alike; then count wrong results."""
    for t in timed:
        run_loop(t.runner.call, t.runner.xs[:50], t.runner.ys[:50])  # warm-up: lazy set-up
    for i in range(repeats):
        for t in timed:
            r = t.runner
            t0 = time.perf_counter()
            got = run_loop(r.call, r.xs[: t.n_timed], r.ys[: t.n_timed])
            t.best = min(t.best, time.perf_counter() - t0)
            if i == 0:
                t.results = got
    rows = []
    for t in timed:
        r = t.runner
        if t.n_checked > t.n_timed:
            t.results += run_loop(
                r.call, r.xs[t.n_timed : t.n_checked], r.ys[t.n_timed : t.n_checked]
            )
        row = Row(
            t.lib, cal.key, op, t.n_timed / t.best, t.n_timed, checked=t.n_checked, note=r.note
        )
        for i in range(t.n_checked):
            res, exp = t.results[i], r.expected[i]
            if isinstance(res, Exception):
                row.wrong += 1
                row.errors += 1
                if len(row.first_wrong) < 5:
                    row.first_wrong.append((i, exp, f"{type(res).__name__}: {res}", None))
                continue
            got_us = r.result_us(res)
            if got_us != exp:
                row.wrong += 1
                if len(row.first_wrong) < 5:
                    row.first_wrong.append((i, exp, got_us, res))
        rows.append(row)
    return rows


def oracle_expected(
    cal: BenchCalendar, oc: OracleCalendar, cases: Cases, want_hours: bool
) -> dict[str, list[int]]:
    exp = {
        "add": [oc.add_us(t, d) for t, d in zip(cases.add_starts, cases.add_durs, strict=True)],
        "elapsed": [
            oc.elapsed_us(a, b) for a, b in zip(cases.el_starts, cases.el_ends, strict=True)
        ],
    }
    if want_hours:
        exp["add_hours"] = [
            oc.add_us(t, n * HOUR_US)
            for t, n in zip(cases.add_starts, pandas_hours(cases.add_durs), strict=True)
        ]
    return exp


@dataclass
class ArrayRow:
    library: str
    calendar: str
    op: str
    ops: float
    size: int
    vs_scalar_wrong: int
    vs_oracle_wrong: int
    sample: int
    repeats: int


def bench_arrays(
    cal: BenchCalendar,
    oc: OracleCalendar,
    rng: np.random.Generator,
    size: int,
    sample: int,
    slad: Sladesk | None,
    wclock: Workclock,
    repeats: int,
    wc_repeats: int,
) -> list[ArrayRow]:
    starts_us = draw_starts(rng, size)
    durs_us = draw_durations(rng, size, cal.day_us)
    el_starts_us = draw_starts(rng, size)
    el_ends_us = el_starts_us + draw_spans(rng, size)
    starts = starts_us.astype("datetime64[us]")
    durs = durs_us.astype("timedelta64[us]")
    a = el_starts_us.astype("datetime64[us]")
    b = el_ends_us.astype("datetime64[us]")
    idx = rng.choice(size, size=min(sample, size), replace=False)

    exp_add = [oc.add_us(int(starts_us[i]), int(durs_us[i])) for i in idx]
    exp_el = [oc.elapsed_us(int(el_starts_us[i]), int(el_ends_us[i])) for i in idx]

    ref_add: list[int] | None = None
    ref_el: list[int] | None = None
    scal: Any = None
    if slad is not None:
        scal = slad.build(cal)
        ref_add = [
            to_us(scal.add(from_us(int(starts_us[i])), dt.timedelta(microseconds=int(durs_us[i]))))
            for i in idx
        ]
        ref_el = [
            _td_us(scal.elapsed(from_us(int(el_starts_us[i])), from_us(int(el_ends_us[i]))))
            for i in idx
        ]

    rows: list[ArrayRow] = []
    libs: list[tuple[str, Any, Any, int]] = []
    if scal is not None:
        libs.append(("sladesk", scal.add_many, scal.elapsed_many, repeats))
    sched = wclock.build(cal)
    libs.append(("workclock", sched.add_many, sched.between_many, wc_repeats))
    for name, add_many, el_many, reps in libs:
        for op, fn, x, y, exp, ref in (
            ("add_many", add_many, starts, durs, exp_add, ref_add),
            ("elapsed_many", el_many, a, b, exp_el, ref_el),
        ):
            best = float("inf")
            out: Any = None
            for _ in range(reps):
                t0 = time.perf_counter()
                out = fn(x, y)
                best = min(best, time.perf_counter() - t0)
            got = np.asarray(out).astype(np.int64)[idx].tolist()
            rows.append(
                ArrayRow(
                    name,
                    cal.key,
                    op,
                    size / best,
                    size,
                    -1 if ref is None else sum(g != r for g, r in zip(got, ref, strict=True)),
                    sum(g != e for g, e in zip(got, exp, strict=True)),
                    len(idx),
                    reps,
                )
            )
    return rows


# --------------------------------------------------------------------------------------------
# Output


def fmt_ops(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e4:
        return f"{x / 1e3:.0f}k"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


def fmt_ratio(x: float) -> str:
    return f"{x:,.0f}x" if x >= 10 else f"{x:.1f}x"


def print_table(title: str, header: list[str], rows: list[list[str]], markdown: bool) -> None:
    if markdown:
        print(f"\n**{title}**\n")
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(" --- " for _ in header) + "|")
        for r in rows:
            print("| " + " | ".join(c.replace("|", "/") for c in r) + " |")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, h in enumerate(header):
        table.add_column(h, justify="right" if i >= 3 and i < len(header) - 1 else "left")
    for r in rows:
        table.add_row(*r)
    Console(width=200).print(table)


def engine_revision() -> str:
    """The commit the engine was measured at, and whether its files had local changes."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h %cd", "--date=iso", "--", "src/sladesk/calendar"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src/sladesk/calendar"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"commit {head}" + (" plus uncommitted changes" if dirty else "")


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for pkg in ("sladesk", "businesstimedelta", "pandas", "workclock", "numpy", "holidays"):
        try:
            versions.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{pkg} missing")
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()}; " + ", ".join(versions)
    )


# --------------------------------------------------------------------------------------------
# The main benchmark


def run_bench(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    md = args.format == "markdown"
    cals = [c for c in make_calendars() if not args.calendars or c.key in args.calendars]
    print(f"# calendar bench: {machine_line()}")
    print(f"# sladesk.calendar at {engine_revision()}")
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"# seed {SEED}; {args.cases} cases per calendar; best of {args.repeats}; "
        f"businesstimedelta timed on the first {args.bt_timed} cases, checked on the first "
        f"{args.bt_checked}; arrays of {args.array_size:,} elements"
    )
    slad: Sladesk | None
    try:
        slad = Sladesk()
    except Exception as exc:  # noqa: BLE001 - the engine may not exist yet
        print(f"# sladesk.calendar not importable ({type(exc).__name__}: {exc}): peers only")
        slad = None
    peers: list[Library] = [BusinessTimeDelta(), PandasCBH(), Workclock()]
    libs: list[Library] = ([slad] if slad else []) + peers

    streams = case_streams()
    rows: list[Row] = []
    na: dict[tuple[str, str, str], str] = {}
    array_rows: list[ArrayRow] = []
    for cal in cals:
        oc = cal.oracle()
        scalar_rng, array_rng = streams[cal.key]
        cases = make_cases(scalar_rng, args.cases, cal)
        t0 = time.perf_counter()
        expected = oracle_expected(cal, oc, cases, want_hours=not cal.whole_day)
        if args.verbose:
            print(f"# {cal.key}: oracle took {time.perf_counter() - t0:.1f}s", flush=True)
        for op in ("add", "elapsed"):
            timed: list[Timed] = []
            for lib in libs:
                try:
                    runner = lib.runner(cal, op, cases, expected)
                except NotExpressible as exc:
                    na[(lib.name, cal.key, op)] = str(exc)
                    continue
                n_timed, n_checked = args.cases, args.cases
                if lib.name == "businesstimedelta":
                    n_timed = min(args.bt_timed, args.cases)
                    n_checked = max(n_timed, min(args.bt_checked, args.cases))
                timed.append(Timed(lib.name, runner, n_timed, n_checked))
            t1 = time.perf_counter()
            rows += measure_all(cal, op, timed, args.repeats)
            if args.verbose:
                print(f"#   {op}: {time.perf_counter() - t1:.1f}s", flush=True)
        if args.array_size:
            array_rows += bench_arrays(
                cal,
                oc,
                array_rng,
                args.array_size,
                args.array_sample,
                slad,
                Workclock(),
                args.repeats,
                args.wc_array_repeats,
            )

    # ---- scalar table
    by_key = {(r.library, r.calendar, r.op): r for r in rows}
    header = ["calendar", "op", "library", "ops/s", "sladesk/peer", "wrong/checked", "note"]
    table: list[list[str]] = []
    for cal in cals:
        for op in ("add", "elapsed"):
            s_row = by_key.get(("sladesk", cal.key, op))
            for lib in libs:
                k = (lib.name, cal.key, op)
                if k in na:
                    table.append([cal.key, op, lib.name, "n/a", "", "", na[k]])
                    continue
                r = by_key[k]
                ratio = ""
                if s_row is not None and lib.name != "sladesk" and r.ops:
                    ratio = fmt_ratio((s_row.ops or 0) / r.ops)
                notes = []
                if r.note:
                    notes.append(r.note)
                if r.timed != r.checked:
                    notes.append(f"timed on {r.timed:,}")
                if r.errors:
                    notes.append(f"{r.errors} raised")
                table.append(
                    [
                        cal.key,
                        op,
                        lib.name,
                        fmt_ops(r.ops),
                        ratio,
                        f"{r.wrong:,}/{r.checked:,}",
                        "; ".join(notes),
                    ]
                )
    print_table("Scalar calls (ops/s, best of repeats)", header, table, md)

    if array_rows:
        a_header = ["calendar", "op", "library", "ops/s", "vs sladesk scalar", "vs oracle", "note"]
        a_table = [
            [
                r.calendar,
                r.op,
                r.library,
                fmt_ops(r.ops),
                "n/a" if r.vs_scalar_wrong < 0 else f"{r.vs_scalar_wrong}/{r.sample} differ",
                f"{r.vs_oracle_wrong}/{r.sample} wrong",
                f"{r.size:,} elements, best of {r.repeats}",
            ]
            for r in array_rows
        ]
        print_table("Array forms", a_header, a_table, md)

    # ---- targets
    if slad is not None:
        t_header = ["calendar", "target", "measured", "verdict"]
        t_table: list[list[str]] = []
        for cal in cals:
            for op, goal in (("add", 200.0), ("elapsed", 400.0)):
                s_row = by_key.get(("sladesk", cal.key, op))
                b_row = by_key.get(("businesstimedelta", cal.key, op))
                if s_row is None or b_row is None or not b_row.ops:
                    continue
                ratio = (s_row.ops or 0) / b_row.ops
                t_table.append(
                    [
                        cal.key,
                        f"scalar {op} >= {goal:.0f}x businesstimedelta",
                        fmt_ratio(ratio),
                        "met" if ratio >= goal else "MISSED",
                    ]
                )
            for r in array_rows:
                if r.library == "sladesk" and r.calendar == cal.key:
                    t_table.append(
                        [
                            cal.key,
                            f"{r.op} >= 2,000,000 ops/s",
                            fmt_ops(r.ops),
                            "met" if r.ops >= 2e6 else "MISSED",
                        ]
                    )
            wrong = sum(r.wrong for r in rows if r.library == "sladesk" and r.calendar == cal.key)
            wrong += sum(
                r.vs_oracle_wrong
                for r in array_rows
                if r.library == "sladesk" and r.calendar == cal.key
            )
            t_table.append([cal.key, "zero wrong", str(wrong), "met" if wrong == 0 else "MISSED"])
        print_table("Targets", t_header, t_table, md)

    # ---- the first wrong results, to tell classes of error apart
    if args.show_wrong:
        print("\nFirst wrong results (index, expected, got), instants in UTC:")
        for r in rows:
            for i, exp, got, _raw in r.first_wrong[: args.show_wrong]:
                shown_exp: Any = exp
                shown_got: Any = got
                if r.op == "add" and isinstance(got, int):
                    shown_exp, shown_got = from_us(exp), from_us(got)
                elif r.op == "elapsed" and isinstance(got, int):
                    shown_exp = dt.timedelta(microseconds=exp)
                    shown_got = dt.timedelta(microseconds=got)
                print(
                    f"  {r.library} {r.calendar} {r.op} #{i}: expected {shown_exp} got {shown_got}"
                )
    print(
        f"\n# total wall time {time.perf_counter() - started:.0f}s; load average at end: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return 0


# --------------------------------------------------------------------------------------------
# Self-check: the oracle against a brute-force scan of the definition


def brute_is_open(oc: OracleCalendar, zone: ZoneInfo, u: int) -> bool:
    """The definition, one instant at a time: is u's wall reading in an open range?"""
    off = from_us(u).astimezone(zone).utcoffset()
    assert off is not None
    wall = u + _td_us(off)
    today = wall // DAY_US
    for day in (today, today - 1):  # a range may start the day before and cross midnight
        date = date_of_day_number(day)
        if date in oc.closed:
            continue
        for start, end in oc.weekly[date.weekday()]:
            if day * DAY_US + start * MINUTE_US <= wall < day * DAY_US + end * MINUTE_US:
                return True
    return False


def brute_elapsed(oc: OracleCalendar, zone: ZoneInfo, a: int, b: int) -> int:
    """Open minutes in [a, b); exact when a, b and every boundary fall on whole minutes."""
    return sum(MINUTE_US for m in range(a, b, MINUTE_US) if brute_is_open(oc, zone, m))


def brute_add(oc: OracleCalendar, zone: ZoneInfo, t: int, d: int) -> int:
    left, u = d, t
    while left > 0:
        if brute_is_open(oc, zone, u):
            left -= MINUTE_US
        u += MINUTE_US
    return u


def self_check_cases(
    rng: np.random.Generator, cal: BenchCalendar, n: int
) -> list[tuple[int, int, int, int]]:
    """Minute-aligned (start, duration, a, b): a third uniform, a third within 3 days of a
    DST transition, a third within 2 days of a holiday (or of a transition if none)."""
    transitions = [
        s for s, _e, _o in offset_segments(cal.zone)[1:] if T0_US <= s < T1_US - 10 * DAY_US
    ]
    hol = [
        day_number(d) * DAY_US
        for d in sorted(cal.holidays)
        if T0_US <= day_number(d) * DAY_US < T1_US - 10 * DAY_US
    ]
    out = []
    for i in range(n):
        kind = i % 3
        anchors = transitions if kind == 1 else (hol or transitions) if kind == 2 else []
        if anchors:
            base = anchors[int(rng.integers(len(anchors)))]
            t = base + int(rng.integers(-3 * 1440, 3 * 1440)) * MINUTE_US
        else:
            t = int(rng.integers(T0_US // MINUTE_US, T1_US // MINUTE_US)) * MINUTE_US
        lo, hi = np.log(1.0), np.log(5 * cal.day_us / MINUTE_US)
        d = int(np.exp(rng.uniform(lo, hi))) * MINUTE_US
        a = t - int(rng.integers(0, 2 * 1440)) * MINUTE_US
        b = a + int(rng.integers(0, 8 * 1440)) * MINUTE_US
        out.append((t, max(d, MINUTE_US), a, b))
    return out


def hand_checks() -> list[str]:
    """A few answers worked out on paper."""
    u = dt.UTC
    cals = {c.key: c.oracle() for c in [*make_calendars(), DST_EDGES]}
    h = dt.timedelta(hours=1)
    checks: list[tuple[str, Any, Any]] = [
        # Mon 2024-03-04 09:00 ART (12:00Z) + 9 h = 18:00 ART the same day: the closing instant.
        (
            "aivo add to closing",
            cals["aivo"].add(dt.datetime(2024, 3, 4, 12, tzinfo=u), 9 * h),
            dt.datetime(2024, 3, 4, 21, tzinfo=u),
        ),
        # Thu 28 Mar - Tue 2 Apr 2024 are AR holidays (Easter, a bridge day, Malvinas) or a
        # weekend: Wed 27 Mar 17:00 ART + 2 h -> Wed 3 Apr 10:00 ART.
        (
            "aivo holidays",
            cals["aivo"].add(dt.datetime(2024, 3, 27, 20, tzinfo=u), 2 * h),
            dt.datetime(2024, 4, 3, 13, tzinfo=u),
        ),
        # Berlin spring-forward night (30->31 Mar 2024) is 7 h long, fall-back (26->27 Oct) 9 h.
        (
            "berlin short night",
            cals["berlin-nights"].elapsed(
                dt.datetime(2024, 3, 30, 12, tzinfo=u), dt.datetime(2024, 3, 31, 12, tzinfo=u)
            ),
            7 * h,
        ),
        (
            "berlin long night",
            cals["berlin-nights"].elapsed(
                dt.datetime(2024, 10, 26, 12, tzinfo=u), dt.datetime(2024, 10, 27, 12, tzinfo=u)
            ),
            9 * h,
        ),
        # New York 10 Mar 2024 is a 23 h day, 3 Nov 2024 a 25 h one; any 24x7-like span.
        (
            "ny 23h day",
            cals["ny-days"].elapsed(
                dt.datetime(2024, 3, 10, 5, tzinfo=u), dt.datetime(2024, 3, 11, 4, tzinfo=u)
            ),
            23 * h,
        ),
        # 01:30-02:30 New York: 30 min on 10 Mar 2024 (02:00-03:00 skipped), 90 min on 3 Nov
        # (01:30-02:00 EDT, 01:30-02:00 EST again, then 02:00-02:30 EST).
        (
            "ny-edges gap day",
            cals["ny-edges"].elapsed(
                dt.datetime(2024, 3, 10, 0, tzinfo=u), dt.datetime(2024, 3, 11, 0, tzinfo=u)
            ),
            dt.timedelta(minutes=30),
        ),
        (
            "ny-edges fold day",
            cals["ny-edges"].elapsed(
                dt.datetime(2024, 11, 3, 0, tzinfo=u), dt.datetime(2024, 11, 4, 0, tzinfo=u)
            ),
            dt.timedelta(minutes=90),
        ),
        # ... and 45 min from 01:45 EDT on 3 Nov: 15 min to 02:00 EDT, which becomes 01:00 EST;
        # closed again until 01:30 EST, then 30 min: 02:00 EST (07:00Z).
        (
            "ny-edges add through the fold",
            cals["ny-edges"].add(dt.datetime(2024, 11, 3, 5, 45, tzinfo=u), 45 * h / 60),
            dt.datetime(2024, 11, 3, 7, 0, tzinfo=u),
        ),
    ]
    return [f"{name}: expected {exp}, got {got}" for name, got, exp in checks if got != exp]


def run_self_check(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    failures = hand_checks()
    for f in failures:
        print(f"HAND CHECK FAILED {f}")
    print(f"hand-worked cases: {8 - len(failures)}/8 agree with the oracle")

    try:
        slad: Sladesk | None = Sladesk()
    except Exception as exc:  # noqa: BLE001
        print(f"sladesk.calendar not importable ({type(exc).__name__}: {exc}): oracle only")
        slad = None

    rng = np.random.default_rng(SEED + 1)
    n = args.self_check_cases
    bad_oracle = bad_brute = bad_trip = 0
    engine_bad: list[str] = []
    for cal in [*make_calendars(), DST_EDGES]:
        oc = cal.oracle()
        zone = ZoneInfo(cal.zone)
        s_cal = slad.build(cal) if slad else None
        cases = self_check_cases(rng, cal, n)
        for t, d, a, b in cases:
            o_add, b_add = oc.add_us(t, d), brute_add(oc, zone, t, d)
            o_el, b_el = oc.elapsed_us(a, b), brute_elapsed(oc, zone, a, b)
            if o_add != b_add or o_el != b_el:
                bad_brute += 1
            if o_add != b_add:
                bad_oracle += 1
                print(f"ORACLE != BRUTE {cal.key} add({from_us(t)}, {d // MINUTE_US} min): "
                      f"oracle {from_us(o_add)} brute {from_us(b_add)}")  # fmt: skip
            if o_el != b_el:
                bad_oracle += 1
                print(f"ORACLE != BRUTE {cal.key} elapsed({from_us(a)}, {from_us(b)}): "
                      f"oracle {o_el / 6e7} min brute {b_el / 6e7} min")  # fmt: skip
            if s_cal is not None:
                for what, got, exp in (
                    (
                        f"add({from_us(t).isoformat()}, {dt.timedelta(microseconds=d)})",
                        lambda t=t, d=d, c=s_cal: to_us(
                            c.add(from_us(t), dt.timedelta(microseconds=d))
                        ),
                        b_add,
                    ),
                    (
                        f"elapsed({from_us(a).isoformat()}, {from_us(b).isoformat()})",
                        lambda a=a, b=b, c=s_cal: _td_us(c.elapsed(from_us(a), from_us(b))),
                        b_el,
                    ),
                ):
                    try:
                        g: Any = got()
                    except Exception as exc:  # noqa: BLE001
                        g = f"{type(exc).__name__}: {exc}"
                    if g != exp:
                        shown = from_us(g) if what.startswith("add") and isinstance(g, int) else g
                        want = from_us(exp) if what.startswith("add") else exp
                        if what.startswith("elapsed"):
                            want = dt.timedelta(microseconds=exp)
                            if isinstance(g, int):
                                shown = dt.timedelta(microseconds=g)
                        engine_bad.append(f"{cal.key} {what}: expected {want}, got {shown}")
        # Second-resolution consistency: elapsed(t, add(t, d)) == d and add is the earliest.
        starts = draw_starts(rng, n)
        durs = draw_durations(rng, n, cal.day_us)
        for t, d in zip(starts.tolist(), durs.tolist(), strict=True):
            u = oc.add_us(t, d)
            if oc.elapsed_us(t, u) != d or oc.elapsed_us(t, u - 1) >= d:
                bad_oracle += 1
                bad_trip += 1
                print(f"ORACLE INCONSISTENT {cal.key} add({from_us(t)}, {d} us) = {from_us(u)}")
            if s_cal is not None:
                try:
                    g = to_us(s_cal.add(from_us(t), dt.timedelta(microseconds=d)))
                except Exception as exc:  # noqa: BLE001
                    g = f"{type(exc).__name__}: {exc}"
                if g != u:
                    shown = from_us(g) if isinstance(g, int) else g
                    engine_bad.append(
                        f"{cal.key} add({from_us(t).isoformat()}, "
                        f"{dt.timedelta(microseconds=d)}): expected {from_us(u)}, got {shown}"
                    )
    n_cal = len(make_calendars()) + 1
    print(
        f"oracle vs brute-force minute scan: {n_cal * n - bad_brute} of {n_cal * n} "
        f"minute-aligned cases agree on both add and elapsed; round trips "
        f"elapsed(t, add(t, d)) == d at second resolution: {n_cal * n - bad_trip} of "
        f"{n_cal * n}; {n_cal} calendars"
    )
    if slad is not None:
        print(
            f"sladesk vs brute force / oracle: {len(engine_bad)} wrong of {3 * n_cal * n} "
            "(minute-aligned add and elapsed, second-resolution add)"
        )
        for line in engine_bad[:40]:
            print(f"  ENGINE WRONG {line}")
    print(f"self-check took {time.perf_counter() - started:.0f}s")
    return 1 if (failures or bad_oracle) else 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="1,000 cases, 100k-element arrays")
    p.add_argument("--self-check", action="store_true", help="check the oracle by brute force")
    p.add_argument("--self-check-cases", type=int, default=60, help="per calendar (default 60)")
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--bt-timed", type=int, default=1_000, help="businesstimedelta timed cases")
    p.add_argument("--bt-checked", type=int, default=10_000, help="businesstimedelta checked")
    p.add_argument("--array-size", type=int, default=1_000_000)
    p.add_argument("--array-sample", type=int, default=2_000)
    p.add_argument("--wc-array-repeats", type=int, default=2, help="workclock array repeats")
    p.add_argument("--calendars", nargs="*", help="only these calendar keys")
    p.add_argument("--format", choices=("rich", "markdown"), default="rich")
    p.add_argument("--show-wrong", type=int, default=2, help="wrong results shown per row")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    if args.self_check:
        return run_self_check(args)
    if args.quick:
        args.cases = min(args.cases, 1_000)
        args.bt_timed = min(args.bt_timed, 200)
        args.bt_checked = min(args.bt_checked, 1_000)
        args.array_size = min(args.array_size, 100_000)
        args.array_sample = min(args.array_sample, 500)
    return run_bench(args)


if __name__ == "__main__":
    raise SystemExit(main())
