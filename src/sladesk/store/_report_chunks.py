"""``report_chunks`` (migration 0024): the compliance report's facts packed as columns, one row
per range of ticket ids, and how a report reads them fresh.

Why: the report over a year of a busy desk scans two million projection rows; SQLite cannot
group them in 2 s (its ``GROUP BY`` sorts every row) and PostgreSQL takes ~2.3 s. A chunk
holds its tickets' projection rows as numpy arrays (:mod:`sladesk.store._report_columns`),
read in bulk and aggregated vectorised.

**Freshness, without touching the ticket write path.** A chunk records the highest
``sla_projections.id`` and ``ticket_events.id`` when it was built (``projection_mark``,
``event_mark``). Every change to a ticket's targets replaces its projection rows (DELETE +
INSERT: new ids) and every change to its history appends events, so at report time the
tickets of a chunk owning a projection row above its mark or an event above its mark are
read live by SQL and replace the chunk's rows for those tickets; so are the ticket ids no
chunk covers. SQLite may give a deleted top row's id to the next row inserted (no
``AUTOINCREMENT``): rows up to :data:`GUARD` below the mark are treated as changed as well,
and a policy publish (the one re-evaluation that appends no event) drops every chunk.
Chunks are rebuilt by the ``report-chunks`` job (``jobs/report_chunks.py``) when missing,
when a tenth of their rows changed, or when they changed at all and are older than 15
minutes (``services/_reports.py``, ``refresh_report_chunks``); an unchanged chunk only has its
marks moved up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, bindparam, delete, func, insert, select, update

from sladesk.store._db import Repository
from sladesk.store._repo_sweep import raw_rows
from sladesk.store._report_columns import (
    CODED,
    IDS,
    NO_DUE,
    Columns,
    Vocabulary,
    concat,
    micros,
)
from sladesk.store._tables import ReportChunk, SlaProjection, Ticket, TicketEvent

__all__ = [
    "CHUNK_TICKETS",
    "GUARD",
    "ChunkInfo",
    "ReportChunkRepository",
]

#: tickets (ids) per chunk: ~100,000 projection rows, a ~3 MB blob
CHUNK_TICKETS = 50_000
#: SQLite: projection rows this far below a chunk's mark are read live too (rowid reuse)
GUARD = 2_000

_T = Ticket
_P = SlaProjection
_CHUNKS = cast(Table, ReportChunk.__table__)
_C = _CHUNKS.c
_IN_BATCH = 500


@dataclass(frozen=True, slots=True)
class ChunkInfo:
    lo: int
    hi: int
    built_at: datetime
    projection_mark: int
    event_mark: int
    rows: int
    created_min: int | None
    created_max: int | None


def _pack(cols: Columns, lo: int) -> tuple[str, bytes]:
    """The layout (JSON) and the blob of one chunk's columns. Ids and strings are coded
    against the chunk's own vocabularies in the narrowest unsigned type; ``used`` is kept for
    fulfilled rows only and ``due`` for running rows only (all the report reads)."""
    arrays: list[tuple[str, np.ndarray[Any, Any]]] = [
        ("ticket", (cols.ticket - lo).astype(np.uint32)),
        ("created", cols.created.astype(np.int64)),
    ]
    vocab: dict[str, list[Any]] = {}
    for name in IDS:
        keys, codes = np.unique(getattr(cols, name), return_inverse=True)
        vocab[name] = [int(k) for k in keys]
        arrays.append((name, codes.astype(_narrow(len(keys)))))
    for name in CODED:
        vocab[name] = list(cols.vocab[name].values)
        arrays.append((name, cols.coded[name].astype(_narrow(len(vocab[name])))))
    running = cols.coded["state"] == cols.vocab["state"].code("running")
    arrays += [
        ("fulfilled", cols.fulfilled.astype(np.uint8)),
        ("used", cols.used[cols.fulfilled].astype(np.float64)),
        ("due", cols.due[running].astype(np.int64)),
    ]
    layout = {"vocab": vocab, "arrays": [[n, a.dtype.str, len(a)] for n, a in arrays]}
    return json.dumps(layout), b"".join(a.tobytes() for _, a in arrays)


def _narrow(size: int) -> type[np.unsignedinteger[Any]]:
    if size <= 1 << 8:
        return np.uint8
    if size <= 1 << 16:
        return np.uint16
    return np.uint32


def _unpack(lo: int, layout_text: str, data: bytes) -> Columns:
    layout = json.loads(layout_text)
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    at = 0
    buffer = memoryview(data)
    for name, dtype, n in layout["arrays"]:
        dt = np.dtype(dtype)
        arrays[name] = np.frombuffer(buffer, dtype=dt, count=n, offset=at)
        at += dt.itemsize * n
    vocab_in = layout["vocab"]
    vocab = {c: Vocabulary() for c in CODED}
    for c in CODED:
        for v in vocab_in[c]:
            vocab[c].code(v)
    n = len(arrays["ticket"])
    fulfilled = arrays["fulfilled"].astype(bool)
    used = np.zeros(n, dtype=np.float64)
    used[fulfilled] = arrays["used"]
    state = arrays["state"]
    due = np.full(n, NO_DUE, dtype=np.int64)
    if "running" in vocab_in["state"]:
        due[state == vocab_in["state"].index("running")] = arrays["due"]
    ids = {name: _ids(vocab_in[name], arrays[name], n) for name in IDS}
    return Columns(
        # ``created`` and the codes copied out: nothing keeps the blob alive once unpacked
        ticket=arrays["ticket"].astype(np.int64) + lo, created=arrays["created"].copy(),
        organisation=ids["organisation"], agent=ids["agent"],
        policy_version=ids["policy_version"],
        coded={c: arrays[c].copy() for c in CODED}, due=due, fulfilled=fulfilled,
        used=used, vocab=vocab,
    )  # fmt: skip


_EPOCH_NAIVE = datetime(1970, 1, 1)  # noqa: DTZ001 (SQLite's text is UTC without offset)
_MICRO = timedelta(microseconds=1)


def _us(value: datetime | str) -> int:
    """A stored instant (aware datetime, or SQLite's UTC text) as µs since the epoch."""
    if isinstance(value, str):
        return (datetime.fromisoformat(value) - _EPOCH_NAIVE) // _MICRO
    return micros(value)


def _ids(keys: list[int], codes: np.ndarray[Any, Any], n: int) -> np.ndarray[Any, Any]:
    """An id column from its vocabulary and codes: 32-bit when the ids fit (memory: a report
    over two million rows holds every column at once)."""
    if not keys:
        return np.zeros(n, dtype=np.int32)
    wide = max(keys) >= 1 << 31
    column: np.ndarray[Any, Any] = np.array(keys, dtype=np.int64 if wide else np.int32)[codes]
    return column


def _info(row: Any) -> ChunkInfo:
    return ChunkInfo(
        int(row.lo), int(row.hi), row.built_at, int(row.projection_mark), int(row.event_mark),
        int(row.rows), row.created_min, row.created_max,
    )  # fmt: skip


class ReportChunkRepository(Repository):
    """The chunks' reads and writes; plain values and :class:`Columns` out."""

    # ---------------------------------------------------------------- reads

    def chunks(self) -> list[ChunkInfo]:
        stmt = select(
            _C.lo, _C.hi, ReportChunk.built_at, _C.projection_mark, _C.event_mark, _C.rows,
            _C.created_min, _C.created_max,
        ).order_by(_C.lo)  # fmt: skip
        return [_info(r) for r in self.db.execute(stmt)]

    def marks(self) -> tuple[int, int]:
        """The highest projection and event ids now (read before a chunk's rows)."""
        p = self.db.execute(select(func.max(_P.id))).scalar()
        e = self.db.execute(select(func.max(TicketEvent.id))).scalar()
        return int(p or 0), int(e or 0)

    def max_ticket_id(self) -> int:
        return int(self.db.execute(select(func.max(_T.id))).scalar() or 0)

    def load(self, los: Sequence[int]) -> list[Columns]:
        """The packed columns of the chunks starting at ``los``."""
        if not los:
            return []
        out = []
        if self.db.dialect == "postgresql":
            # psycopg's binary format: the blobs as they are (text would send them as hex,
            # three times slower to read)
            raw: Any = self.db.connection.connection.driver_connection
            with raw.cursor(binary=True) as cursor:
                for lo in los:  # one at a time: each blob let go once unpacked
                    cursor.execute("SELECT layout, data FROM report_chunks WHERE lo = %s", [lo])
                    found = cursor.fetchone()
                    if found is not None:
                        out.append(_unpack(int(lo), found[0], bytes(found[1])))
                        del found
            return out
        stmt = select(_C.layout, _C.data).where(_C.lo == bindparam("lo"))
        for lo in los:
            row = self.db.execute(stmt, {"lo": lo}).first()
            if row is not None:
                out.append(_unpack(int(lo), row[0], bytes(row[1])))
                del row
        return out

    def rows(
        self, *, lo: int | None = None, hi: int | None = None, tickets: Sequence[int] = ()
    ) -> Columns:
        """The report's facts as they stand, for the tickets with ids in ``[lo, hi)`` or for
        ``tickets`` (the SQL the chunks are built from, and the live rows)."""
        columns = (
            _P.ticket_id, _T.created_at, _T.organization_id, _T.assignee_id,
            _T.policy_version_id, _T.facts["plan"].as_string(),
            func.coalesce(_P.priority, _T.priority), _T.type, _T.channel, _T.team, _P.metric,
            _P.state, _P.due_at, _P.fulfilled_at.is_not(None), _P.used_seconds,
        )  # fmt: skip
        base = select(*columns).select_from(_T).join(_P, _P.ticket_id == _T.id)
        if tickets:
            ids = sorted(set(tickets))
            batches = [ids[i : i + _IN_BATCH] for i in range(0, len(ids), _IN_BATCH)]
            raw = [r for b in batches for r in raw_rows(self.db.execute(base.where(_T.id.in_(b))))]
        else:
            stmt = base
            if lo is not None:
                stmt = stmt.where(_T.id >= lo)
            if hi is not None:
                stmt = stmt.where(_T.id < hi)
            raw = raw_rows(self.db.execute(stmt))
        # read as the driver gives them (no result processing): instants are datetimes on
        # PostgreSQL, UTC text on SQLite
        rows = [
            (r[0], _us(r[1]), *r[2:12], None if r[12] is None else _us(r[12]), r[13], r[14])
            for r in raw
        ]
        return Columns.from_rows(rows)

    def changed(
        self, chunks: Sequence[ChunkInfo], *, guard: bool = True
    ) -> dict[int, np.ndarray[Any, Any]]:
        """Per chunk (by ``lo``): the ids of its tickets that changed since it was built (a
        projection row above its mark, less :data:`GUARD` on SQLite unless ``guard`` is
        false; an event above its mark)."""
        if not chunks:
            return {}
        guard_rows = GUARD if guard and self.db.dialect != "postgresql" else 0
        p_from = min(c.projection_mark for c in chunks) - guard_rows
        e_from = min(c.event_mark for c in chunks)
        p_rows = raw_rows(self.db.execute(select(_P.ticket_id, _P.id).where(_P.id > p_from)))
        e_rows = raw_rows(
            self.db.execute(
                select(TicketEvent.ticket_id, TicketEvent.id).where(TicketEvent.id > e_from)
            )
        )
        los = np.array([c.lo for c in chunks], dtype=np.int64)
        his = np.array([c.hi for c in chunks], dtype=np.int64)
        pm = np.array([c.projection_mark - guard_rows for c in chunks], dtype=np.int64)
        em = np.array([c.event_mark for c in chunks], dtype=np.int64)
        found: list[np.ndarray[Any, Any]] = []
        for rows, marks in ((p_rows, pm), (e_rows, em)):
            if not rows:
                continue
            pairs = np.fromiter((x for r in rows for x in r), np.int64, 2 * len(rows))
            pairs = pairs.reshape(-1, 2)
            t, i = pairs[:, 0], pairs[:, 1]
            at = np.searchsorted(los, t, side="right") - 1
            inside = (at >= 0) & (t < his[np.clip(at, 0, None)])
            at_c = np.clip(at, 0, None)
            keep = inside & (i > marks[at_c])
            found.append(np.stack([at_c[keep], t[keep]]))
        out: dict[int, np.ndarray[Any, Any]] = {}
        if found:
            both = np.concatenate(found, axis=1)
            for k in np.unique(both[0]):
                out[int(los[k])] = np.unique(both[1][both[0] == k])
        return out

    def columns(self, start_us: int, end_us: int) -> Columns:
        """The report's facts, fresh: the chunks' rows of tickets created in ``[start_us,
        end_us)`` that did not change since their chunk was built, the changed ones read
        live, and the ticket ids no chunk covers read live."""
        chunks = self.chunks()
        changed = self.changed(chunks)
        wanted = [
            c for c in chunks
            if c.rows and c.created_min is not None and c.created_max is not None
            and c.created_max >= start_us and c.created_min < end_us
        ]  # fmt: skip
        parts: list[Columns] = []
        for info, cols in zip(wanted, self.load([c.lo for c in wanted]), strict=True):
            gone = changed.get(info.lo)
            if gone is not None and len(gone):
                cols = cols.take(~np.isin(cols.ticket, gone))
            parts.append(cols)
        live = [int(t) for ids in changed.values() for t in ids]
        if live:
            parts.append(self.rows(tickets=live))
        for lo, hi in self._gaps(chunks):
            parts.append(self.rows(lo=lo, hi=hi))
        return concat(parts)

    def _gaps(self, chunks: Sequence[ChunkInfo]) -> list[tuple[int, int | None]]:
        """The ranges of ticket ids no chunk covers (the last one open)."""
        gaps: list[tuple[int, int | None]] = []
        at = 0
        for c in chunks:
            if c.lo > at:
                gaps.append((at, c.lo))
            at = max(at, c.hi)
        if self.max_ticket_id() >= at:
            gaps.append((at, None))
        return gaps

    def uncovered(self) -> int:
        """About how many projection rows no chunk holds (two per uncovered ticket id)."""
        chunks = self.chunks()
        total = 0
        for lo, hi in self._gaps(chunks):
            top = hi if hi is not None else self.max_ticket_id() + 1
            total += 2 * max(top - lo, 0)
        return total

    def estimate(self, start_us: int, end_us: int) -> int:
        """About how many projection rows a report over ``[start_us, end_us)`` reads: the
        chunks' rows pro rata of the period's overlap with their creation span, and two
        per ticket id no chunk covers."""
        chunks = self.chunks()
        total = 0.0
        for c in chunks:
            if not c.rows or c.created_min is None or c.created_max is None:
                continue
            span = max(c.created_max - c.created_min, 1)
            overlap = min(c.created_max, end_us) - max(c.created_min, start_us)
            if overlap >= 0:
                total += c.rows * min(1.0, max(overlap, 1) / span)
        for lo, hi in self._gaps(chunks):
            top = hi if hi is not None else self.max_ticket_id() + 1
            total += 2 * max(top - lo, 0)
        return int(total)

    # ---------------------------------------------------------------- writes

    def save(self, lo: int, hi: int, cols: Columns, marks: tuple[int, int], now: datetime) -> None:
        """Write (replace) the chunk of ``[lo, hi)``."""
        layout, data = _pack(cols, lo)
        created = cols.created
        self.db.execute(delete(_CHUNKS).where(_C.lo == lo))
        self.db.execute(
            insert(_CHUNKS).values(
                lo=lo, hi=hi, built_at=now, projection_mark=marks[0], event_mark=marks[1],
                rows=len(cols), created_min=int(created.min()) if len(cols) else None,
                created_max=int(created.max()) if len(cols) else None, layout=layout,
                data=data,
            )
        )  # fmt: skip

    def move_marks(self, lo: int, marks: tuple[int, int], now: datetime) -> None:
        """An unchanged chunk is as good as new: its marks move up."""
        self.db.execute(
            update(_CHUNKS).where(_C.lo == lo)
            .values(projection_mark=marks[0], event_mark=marks[1], built_at=now)
        )  # fmt: skip

    def drop(self, lo: int) -> None:
        self.db.execute(delete(_CHUNKS).where(_C.lo == lo))

    def drop_all(self) -> None:
        self.db.execute(delete(_CHUNKS))
