"""One target's clock over a ticket's digested history (see ``_evaluate.py`` for the rules).

Two walks implement the same clock:

- :func:`walk`, the fast path used by ``evaluate`` (``explain=False``): one function with the
  clock's state in local variables and the helpers (start or stop a segment, deadline,
  fulfilment) written inline, because method calls per event were most of its cost. It
  keeps no timeline.
- :class:`Run`, the readable walk, one method per step, which also records the timeline
  behind ``explain=True``.

Both leave the same cycles behind, and :func:`result` turns them into the
:class:`~sladesk.sla.TargetResult`; tests/unit/sla/test_evaluate_differential.py checks that
the two walks (and the public calendar methods in place of the compiled table) agree on
random histories.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from sladesk.policy import Metric
from sladesk.sla._clocks import US, BusinessTime
from sladesk.sla._construct import make_cycle, make_target_result, make_warning
from sladesk.sla._model import Cycle, Segment, TargetResult, TargetState, Warning
from sladesk.sla._prepared import CompiledTarget, Length

# Digested event codes (built by ``_evaluate._digest``).
CREATED: Final = 0
ACCEPTED: Final = 1
REPLY: Final = 2  # public agent message
CUSTOMER: Final = 3  # customer message
ASSIGNED: Final = 4  # assigned to an agent
STATUS: Final = 5
FACTS: Final = 6  # facts changed so that the rule or the priority differ: a = stretch index

#: ``(t_us, code, a, b)``: a is the status / assignee / stretch index, b the reason / why.
Item = tuple[int, int, object, str | None]

STOPPING: Final = frozenset({"solved", "closed"})
_FIRST: Final = Metric.FIRST_RESPONSE
_NEXT: Final = Metric.NEXT_RESPONSE
_RESOLUTION: Final = Metric.RESOLUTION
_PERIODIC: Final = Metric.PERIODIC_UPDATE


class _Cycle:
    """One measured stretch: the whole life of a first_response/resolution target, or one
    cycle of a next_response/periodic_update target."""

    __slots__ = (
        "bd_due",
        "breach_late",
        "breached",
        "due",
        "due_at_end",
        "fulfilled",
        "length",
        "seg",
        "seg_b",
        "segs",
        "sidx",
        "start",
        "target",
        "uninterrupted",
        "used",
    )

    def __init__(self, start: int) -> None:
        self.start = start
        self.target: int | None = None  # business microseconds
        self.length: Length | None = None
        self.sidx = 0  # the stretch of the history whose length the cycle has
        self.bd_due: int | None = None  # business-day deadline while uninterrupted
        self.used = 0  # business time of the closed segments
        self.seg: int | None = None  # start instant of the running segment
        self.seg_b = 0  # its coordinate
        self.segs: list[tuple[int, int, int]] = []  # closed: (start_us, start_b, end_b)
        self.due: int | None = None  # deadline while running
        self.due_at_end: int | None = None  # deadline as it stood when fulfilled
        self.fulfilled: int | None = None
        self.breached: int | None = None
        self.breach_late = False  # breached by a change of length, at the change
        self.uninterrupted = True


class Run:
    """One target's clock over a ticket's digested history."""

    __slots__ = (
        "bt",
        "ct",
        "cur",
        "cycles",
        "last",
        "length",
        "lens",
        "metric",
        "now",
        "paused",
        "prios",
        "replied",
        "running",
        "sidx",
        "started",
        "status_why",
        "stopped",
        "texts",
        "timeline",
    )

    def __init__(
        self,
        ct: CompiledTarget,
        lens: list[Length | None],
        texts: list[str | None],
        prios: list[str],
        bt: BusinessTime,
        now_us: int,
        explain: bool,
    ) -> None:
        self.ct = ct
        self.metric = ct.metric
        self.lens = lens
        self.texts = texts
        self.prios = prios
        self.bt = bt
        self.now = now_us
        self.length: Length | None = lens[0]
        self.sidx = 0  # the stretch of the history in effect
        self.cur: _Cycle | None = None  # the open (unfulfilled) cycle
        self.last: _Cycle | None = None  # the latest cycle
        self.cycles: list[_Cycle] = []
        self.started = False
        self.stopped = False
        self.paused = False
        self.running = False
        self.replied = False
        self.status_why = ""
        #: (start, kind, why, due, used) per stretch; only kept for explain
        self.timeline: list[tuple[int, str, str, int | None, int]] | None = [] if explain else None

    # -- the walk -------------------------------------------------------------------------

    def run(self, items: list[Item]) -> TargetResult:
        metric = self.metric
        start_code = ACCEPTED if self.ct.from_accepted else CREATED
        by_assignment = self.ct.by_assignment
        reply_fulfils = ASSIGNED if (metric is _FIRST and by_assignment) else REPLY
        for t, code, a, b in items:
            cur = self.cur
            if cur is None and metric is _FIRST and self.last is not None:
                break  # fulfilled: nothing later changes a first response
            if cur is not None and cur.breached is None and cur.due is not None and cur.due <= t:
                fulfils = (
                    (code == STATUS and a in STOPPING and not self.stopped)
                    if metric is _RESOLUTION
                    else code == reply_fulfils
                )
                if not (fulfils and cur.due == t):
                    cur.breached = cur.due
            if code == STATUS:
                self._status(t, str(a), b)
            elif code == FACTS:
                assert isinstance(a, int)
                self._facts(t, a, b or "")
            elif not self.started:
                if code == start_code:
                    self._start(t)
            elif code == REPLY:
                if metric is _NEXT:
                    if cur is not None:
                        self._fulfil(t, "replied")
                    elif not self.replied:
                        self._mark(
                            t, "stopped", "first response; waiting for a customer message", True
                        )
                    self.replied = True
                elif metric is _PERIODIC:
                    if cur is not None:
                        self._fulfil(t, "updated")
                    self._open(t, "update")
                elif metric is _FIRST and cur is not None and not by_assignment:
                    self._fulfil(t, "replied")
            elif code == CUSTOMER:
                if metric is _NEXT and self.replied and cur is None:
                    self._open(t, "customer message")
            elif code == ASSIGNED and metric is _FIRST and cur is not None and by_assignment:
                self._fulfil(t, f"assigned to {a}")
        cur = self.cur
        if (
            cur is not None
            and self.running
            and cur.breached is None
            and cur.due is not None
            and cur.due <= self.now
        ):
            cur.breached = cur.due
        return self._result()

    def _start(self, t: int) -> None:
        self.started = True
        if self.metric is not _NEXT:
            self._open(t, "start")
        else:
            self._mark(t, "stopped", "waiting for the first response")

    def _open(self, t: int, why: str) -> None:
        c = _Cycle(t)
        self.cycles.append(c)
        self.cur = self.last = c
        set_length(c, self.length, self.sidx, self.bt)
        self._sync(t, why)
        if not self.running:
            c.uninterrupted = False

    def _fulfil(self, t: int, why: str) -> None:
        c = self.cur
        assert c is not None
        c.due_at_end = c.due
        if self.running:
            self._close_segment(t)
            self.running = False
        c.fulfilled = t
        c.due = None
        self.cur = None
        outcome = "breached" if c.breached is not None else "met"
        if self.metric is _NEXT:
            self._mark(t, "stopped", f"{why} ({outcome}); waiting for a customer message")
        elif self.metric is not _PERIODIC:
            self._mark(t, "stopped", f"{why} ({outcome})")

    def _status(self, t: int, status: str, reason: str | None) -> None:
        was_stopped = self.stopped
        self.stopped = status in STOPPING
        self.paused = self.ct.pauses(status, reason)
        if self.timeline is not None:
            self.status_why = f"status {status}" + (f" ({reason})" if reason else "")
        if self.metric is _RESOLUTION and self.started:
            if self.stopped and not was_stopped and self.cur is not None:
                self._fulfil(t, "solved" if status == "solved" else "closed")
                return
            last = self.last
            if (
                was_stopped
                and not self.stopped
                and self.cur is None
                and last is not None
                and last.fulfilled is not None
            ):
                last.fulfilled = None
                last.due_at_end = None
                self.cur = last
                if last.breached is None:  # undecided again: it follows the facts now
                    adopt(last, self.length, self.sidx, last.used, t, self.bt)
                self._sync(t, f"reopened: {self.status_why}")
                return
        self._sync(t, self.status_why)

    def _facts(self, t: int, idx: int, why: str) -> None:
        self.sidx = idx
        self.length = length = self.lens[idx]
        text = self.texts[idx]
        why = f"{why}: {text or 'no target'}"
        c = self.cur
        if c is not None and c.breached is None:  # a breach keeps the length it breached
            used = c.used + (self.bt.coord(t) - c.seg_b if self.running else 0)
            adopt(c, length, idx, used, t, self.bt)
            if self.running:
                c.due = self._due(c)
        self._mark(t, self._kind(), why, force=True)

    # -- clock mechanics ------------------------------------------------------------------

    def _due(self, c: _Cycle) -> int | None:
        if c.target is None or c.breached is not None or c.seg is None:
            return None
        if c.bd_due is not None and c.uninterrupted:
            return c.bd_due
        return self.bt.instant(c.seg_b + c.target - c.used, c.seg)

    def _close_segment(self, t: int) -> None:
        c = self.cur
        assert c is not None and c.seg is not None
        b = self.bt.coord(t)
        c.segs.append((c.seg, c.seg_b, b))
        c.used += b - c.seg_b
        c.seg = None
        c.due = None
        c.uninterrupted = False

    def _sync(self, t: int, why: str) -> None:
        """Start or stop the running segment to match the ticket's state at ``t``."""
        c = self.cur
        want = c is not None and not self.stopped and not self.paused
        if self.running and not want:
            self._close_segment(t)
        elif want and not self.running:
            assert c is not None
            c.seg = t
            c.seg_b = self.bt.coord(t)
            c.due = self._due(c)
        self.running = want
        self._mark(t, self._kind(), why)

    def _kind(self) -> str:
        if self.running:
            return "running"
        if self.cur is not None and not self.stopped:
            return "paused"
        return "stopped"

    def _mark(self, t: int, kind: str, why: str, force: bool = False) -> None:
        tl = self.timeline
        if tl is None or not self.started:
            return
        if not force and tl and tl[-1][1] == kind and (kind != "paused" or tl[-1][2] == why):
            return
        c = self.cur
        due = c.due if c is not None else None
        used = 0
        if c is not None:
            used = c.used + (self.bt.coord(t) - c.seg_b if self.running else 0)
        elif self.last is not None:
            used = self.last.used
        if tl and tl[-1][0] == t:
            tl.pop()
        tl.append((t, kind, why, due, used))

    # -- the answer -----------------------------------------------------------------------

    def _result(self) -> TargetResult:
        return result(
            self.ct,
            self.cycles,
            self.running,
            self.lens,
            self.texts,
            self.prios,
            self.bt,
            self.now,
            self._segments(),
        )

    def _segments(self) -> tuple[Segment, ...]:
        tl = self.timeline
        if not tl:
            return ()
        dt = self.bt.instants.dt
        out: list[Segment] = []
        for i, (t, kind, why, due, used) in enumerate(tl):
            end = tl[i + 1][0] if i + 1 < len(tl) else None
            out.append(
                Segment(
                    start=dt(t),
                    end=None if end is None else dt(end),
                    kind=kind,
                    why=why,
                    due_at=None if due is None else dt(due),
                    used=timedelta(microseconds=used),
                )
            )
        return tuple(out)


# -- the fast walk --------------------------------------------------------------------------


def walk(
    ct: CompiledTarget, lens: list[Length | None], items: list[Item], bt: BusinessTime, now: int
) -> tuple[list[_Cycle], bool]:
    """:meth:`Run.run` without the timeline: the cycles and whether the clock runs at ``now``.

    Dense on purpose (the hot loop of ``evaluate``): the state of :class:`Run` lives in
    locals, and its steps are inlined where they are marked ``# Run._name``; each must stay
    equal to the method it copies."""
    metric = ct.metric
    first = metric is _FIRST
    nxt = metric is _NEXT
    periodic = metric is _PERIODIC
    resolution = metric is _RESOLUTION
    start_code = ACCEPTED if ct.from_accepted else CREATED
    by_assignment = ct.by_assignment
    reply_fulfils = ASSIGNED if (first and by_assignment) else REPLY
    pause_any = ct.pause_any
    pause_reasons = ct.pause_reasons
    length = lens[0]
    sidx = 0
    cycles: list[_Cycle] = []
    cur: _Cycle | None = None
    last: _Cycle | None = None
    started = stopped = paused = running = replied = False
    for t, code, a, b in items:
        if cur is None:
            if first and last is not None:
                break  # fulfilled: nothing later changes a first response
        else:
            due = cur.due
            if due is not None and due <= t and cur.breached is None:
                fulfils = (
                    (code == STATUS and a in STOPPING and not stopped)
                    if resolution
                    else code == reply_fulfils
                )
                if not (fulfils and due == t):
                    cur.breached = due
        fulfil = opening = False
        if code == STATUS:  # Run._status
            was_stopped = stopped
            stopped = a in STOPPING
            paused = a in pause_any or (b is not None and (a, b) in pause_reasons)
            if resolution and started:
                if stopped and not was_stopped and cur is not None:
                    fulfil = True
                elif (
                    was_stopped
                    and not stopped
                    and cur is None
                    and last is not None
                    and last.fulfilled is not None
                ):  # reopened
                    last.fulfilled = None
                    last.due_at_end = None
                    cur = last
                    if cur.breached is None:
                        adopt(cur, length, sidx, cur.used, t, bt)
        elif code == FACTS:  # Run._facts
            assert isinstance(a, int)
            sidx = a
            length = lens[a]
            if cur is not None and cur.breached is None:
                used = cur.used + (bt.coord(t) - cur.seg_b if running else 0)
                adopt(cur, length, sidx, used, t, bt)
                if running:
                    cur.due = _due_of(cur, bt)
            continue
        elif not started:
            if code == start_code:  # Run._start
                started = True
                if nxt:
                    continue
                opening = True
            else:
                continue
        elif code == REPLY:
            if nxt:
                replied = True
                if cur is None:
                    continue
                fulfil = True
            elif periodic:
                fulfil = cur is not None
                opening = True
            elif first and cur is not None and not by_assignment:
                fulfil = True
            else:
                continue
        elif code == CUSTOMER:
            if nxt and replied and cur is None:
                opening = True
            else:
                continue
        elif code == ASSIGNED and first and cur is not None and by_assignment:
            fulfil = True
        else:
            continue
        if fulfil:  # Run._fulfil
            assert cur is not None
            cur.due_at_end = cur.due
            if running:  # Run._close_segment
                assert cur.seg is not None
                bt_ = bt.coord(t)
                cur.segs.append((cur.seg, cur.seg_b, bt_))
                cur.used += bt_ - cur.seg_b
                cur.seg = None
                cur.uninterrupted = False
                running = False
            cur.fulfilled = t
            cur.due = None
            cur = None
            if not opening:
                continue
        if opening:  # Run._open
            cur = last = _Cycle(t)
            cycles.append(cur)
            set_length(cur, length, sidx, bt)
        # Run._sync
        want = cur is not None and not stopped and not paused
        if running and not want:  # Run._close_segment
            assert cur is not None and cur.seg is not None
            bt_ = bt.coord(t)
            cur.segs.append((cur.seg, cur.seg_b, bt_))
            cur.used += bt_ - cur.seg_b
            cur.seg = None
            cur.due = None
            cur.uninterrupted = False
        elif want and not running:
            assert cur is not None
            cur.seg = t
            cur.seg_b = bt.coord(t)
            cur.due = _due_of(cur, bt)
        running = want
        if opening and not running:
            assert cur is not None
            cur.uninterrupted = False
    if (
        cur is not None
        and running
        and cur.breached is None
        and cur.due is not None
        and cur.due <= now
    ):
        cur.breached = cur.due
    return cycles, running


def _due_of(c: _Cycle, bt: BusinessTime) -> int | None:
    """``Run._due``."""
    if c.target is None or c.breached is not None or c.seg is None:
        return None
    if c.bd_due is not None and c.uninterrupted:
        return c.bd_due
    return bt.instant(c.seg_b + c.target - c.used, c.seg)


# -- shared by both walks -------------------------------------------------------------------


def set_length(c: _Cycle, length: Length | None, idx: int, bt: BusinessTime) -> None:
    """Give the cycle ``length`` (that of stretch ``idx``): its target in business
    microseconds, and for business days the deadline while uninterrupted (``target`` is the
    open time from start to it)."""
    c.length = length
    c.sidx = idx
    if length is None:
        c.target = c.bd_due = None
    elif length[0] == "t":
        c.target, c.bd_due = length[1], None
    else:
        due = bt.add_business_days(c.start, length[1])
        c.target = bt.coord(due) - bt.coord(c.start)
        c.bd_due = due


def adopt(c: _Cycle, length: Length | None, idx: int, used: int, t: int, bt: BusinessTime) -> None:
    """An undecided cycle takes the length in effect at ``t`` (counted from its original
    start); if ``used`` is already past it, it is breached at ``t``."""
    set_length(c, length, idx, bt)
    target = c.target
    if target is not None and used >= target:
        c.breached = t
        c.breach_late = True
        c.due = None


def used_at(c: _Cycle, x: int, bt: BusinessTime) -> int | None:
    """The instant at which the cycle's used time reaches ``x`` (None if it has not and the
    clock is not running)."""
    x = max(x, 0)
    cum = 0
    for s_us, s_b, e_b in c.segs:
        if cum + (e_b - s_b) >= x:
            return bt.instant(s_b + x - cum, s_us)
        cum += e_b - s_b
    if c.seg is not None:
        return bt.instant(c.seg_b + x - cum, c.seg)
    return None


_ZERO: Final = timedelta(0)
_PENDING: Final = TargetState.PENDING
_RUNNING: Final = TargetState.RUNNING
_PAUSED: Final = TargetState.PAUSED
_MET: Final = TargetState.MET
_BREACHED: Final = TargetState.BREACHED


def result(
    ct: CompiledTarget,
    cycles: list[_Cycle],
    running: bool,
    lens: list[Length | None],
    texts: list[str | None],
    prios: list[str],
    bt: BusinessTime,
    now: int,
    timeline: tuple[Segment, ...] = (),
) -> TargetResult:
    """The target's answer from the cycles a walk left (the last one is the target's own).

    Its ``target``, ``target_text`` and ``priority`` are those of the length the cycle has:
    the length in effect while it is undecided, the one it was decided under once met or
    breached (docs/policies.md, "Evaluation rules")."""
    instants = bt.instants
    if not cycles:
        final = prios[-1]
        return make_target_result(
            ct.metric_text, ct.calendar_name, None, ct.texts[final], _PENDING, None, None, None,
            None, _ZERO, None, (), (), timeline, final, None,
        )  # fmt: skip
    c = cycles[-1]
    state, due, used = _decide(c, running, lens, bt, now)
    target = c.target
    assert target is not None
    breached = c.breached
    resumed: int | None = None
    if state is _RUNNING:
        resumed = due
    elif state is _PAUSED:
        resumed = bt.instant(bt.coord(now) + target - used, now)
    warnings: tuple[Warning, ...] = ()
    if ct.warn:
        ws: list[Warning] = []
        for text, fraction, lead in ct.warn:
            x = round(target * fraction) if fraction is not None else target - (lead or 0)
            at = used_at(c, x, bt)
            ws.append(
                make_warning(
                    text, None if at is None else instants.dt(at), at is not None and at <= now
                )
            )
        warnings = tuple(ws)
    cycle_results: tuple[Cycle, ...] = ()
    if ct.repeats:
        cycle_results = tuple([_cycle_result(k, bt) for k in cycles])
    # each instant converted once, even where it is both the deadline and the breach
    breached_dt = None if breached is None else instants.dt(breached)
    if due is None:
        due_dt = None
    elif due == breached:
        due_dt = breached_dt
    else:
        due_dt = instants.dt(due)
    fulfilled = c.fulfilled
    priority = prios[c.sidx]
    written = texts[c.sidx]
    return make_target_result(
        ct.metric_text,
        ct.calendar_name,
        US * target,
        ct.texts[priority] if written is None else written,
        state,
        instants.dt(c.start),
        due_dt,
        None if fulfilled is None else instants.dt(fulfilled),
        breached_dt,
        US * used,
        US * (target - used),
        warnings,
        cycle_results,
        timeline,
        priority,
        None if resumed is None else due_dt if resumed == due else instants.dt(resumed),
    )


def _decide(
    c: _Cycle, running: bool, lens: list[Length | None], bt: BusinessTime, now: int
) -> tuple[TargetState, int | None, int]:
    """The state, deadline (µs) and used time at ``now`` of a target's last cycle: what
    :func:`result` answers, and all a back-test reads (:func:`decide`). A breach found here
    (fulfilled past the length) is kept on the cycle."""
    if c.target is None:
        # Fulfilled while the facts gave no length: judged by the length in effect now
        # (``lens[-1]``: a fulfilled first response stops its walk before later changes).
        set_length(c, lens[-1], len(lens) - 1, bt)
    target = c.target
    assert target is not None
    used = c.used + (bt.coord(now) - c.seg_b if c.seg is not None else 0)
    breached = c.breached
    if breached is None and c.fulfilled is not None and used > target:
        breached = c.breached = used_at(c, target, bt)
    if breached is not None:
        return _BREACHED, (used_at(c, target, bt) if c.breach_late else breached), used
    if c.fulfilled is not None:
        return _MET, _met_due(c, bt), used
    if running:
        return _RUNNING, c.due, used
    return _PAUSED, None, used


def decide(
    cycles: list[_Cycle], running: bool, lens: list[Length | None], bt: BusinessTime, now: int
) -> tuple[TargetState, int | None]:
    """:func:`result`'s state and deadline (µs) alone, without building the answer (no
    datetimes, warnings or cycles): what a back-test compares."""
    if not cycles:
        return _PENDING, None
    state, due, _used = _decide(cycles[-1], running, lens, bt, now)
    return state, due


def _met_due(c: _Cycle, bt: BusinessTime) -> int | None:
    """The deadline of a met cycle: as it stood at the fulfilment if the clock ran then,
    else the instant its used time would have reached the target had the clock resumed at
    the fulfilment (a reply while paused). None only for a cycle that never had a length."""
    due = c.due_at_end
    fulfilled = c.fulfilled
    if due is None and c.target is not None and fulfilled is not None:
        due = bt.instant(bt.coord(fulfilled) + c.target - c.used, fulfilled)
    return due


def _cycle_result(c: _Cycle, bt: BusinessTime) -> Cycle:
    instants = bt.instants
    breached = c.breached
    fulfilled = c.fulfilled
    if breached is not None:
        b = instants.dt(breached)
        due_b = b
        if c.breach_late and c.target is not None:
            late = used_at(c, c.target, bt)
            if late is not None and late != breached:
                due_b = instants.dt(late)
        return make_cycle(
            instants.dt(c.start),
            due_b,
            None if fulfilled is None else instants.dt(fulfilled),
            b,
            _BREACHED,
        )
    due: int | None
    if fulfilled is not None:
        state = _MET
        due = _met_due(c, bt)
    elif c.seg is not None:
        state = _RUNNING
        due = c.due
    else:
        state = _PAUSED
        due = None
    return make_cycle(
        instants.dt(c.start),
        None if due is None else instants.dt(due),
        None if fulfilled is None else instants.dt(fulfilled),
        None,
        state,
    )
