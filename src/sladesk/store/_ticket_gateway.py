"""The one door through which tickets are written and read back: :class:`TicketGateway`.

Services and the sweep hand it frozen values in the core's terms (``store/_ticket_values.py``)
and get frozen values back; which statement writes what is decided here, once:

- a new ticket (:meth:`~TicketGateway.insert_new`): the ticket row complete with its queue
  columns (its id and number back through RETURNING), its messages (ids back), then its
  history and projections held (``Db.insert_later``: one statement with the audit and outbox
  rows on PostgreSQL at the commit);
- a change (:meth:`~TicketGateway.apply`): the history entries numbered after the ticket's
  ``last_seq``, one UPDATE of the row (state, ``last_seq``, queue columns, the SLA events
  appended to its packed history), the projection rows replaced; a change whose answer
  shows no history reads the ticket with its packed SLA events in one statement
  (:meth:`~TicketGateway.load_for_change`);
- a sweep batch (:meth:`~TicketGateway.apply_batch`): one statement per table for the whole
  batch, each table's rows as one JSON document (``store/_bulk.py``, through
  ``_repo_sweep.py``).

Nothing here returns a table, a row object or a column dict, and no caller has to know in
which order held rows must be issued. Every read a customer can reach takes a
:class:`~sladesk.tickets.Scope` (NotFound outside it).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Row,
    Select,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import IntegrityError

from sladesk.policy import Status
from sladesk.sla import Event, EventKind, TicketFacts, unpack_history
from sladesk.store._codec import (
    event_shape,
    facts_data,
    facts_from_data,
    instant,
    pack_history,
    sla_events,
)
from sladesk.store._db import Db
from sladesk.store._errors import WriteConflict
from sladesk.store._plain import plain
from sladesk.store._repo_audience import PEOPLE_COLUMNS, WITH_PEOPLE, TicketAudience
from sladesk.store._repo_audit import AuditRepository
from sladesk.store._repo_idempotency import IdempotencyRepository
from sladesk.store._repo_outbox import OutboxRepository
from sladesk.store._repo_sweep import SweepRepository, raw_rows
from sladesk.store._repo_tickets import (
    TicketRepository,
    has_passed_milestone,
    projection_rows,
    queue_columns,
    scoped,
    ticket_query,
)
from sladesk.store._search import SearchMatches, among, search_matches
from sladesk.store._tables import Message, SlaProjection, Ticket, TicketEvent
from sladesk.store._ticket_values import (
    AuditRow,
    DueTicket,
    HistoryEntry,
    NewMessage,
    NewTicketRecord,
    OutboxEntry,
    ReplaySource,
    StoredMessage,
    StoredTicket,
    SweptTicket,
    TicketChange,
)
from sladesk.tickets import NotFound, Scope, TicketState

__all__ = ["TicketGateway"]


_TICKETS = cast(Table, Ticket.__table__)
_EVENTS = cast(Table, TicketEvent.__table__)
_MESSAGES = cast(Table, Message.__table__)
_PROJECTIONS = cast(Table, SlaProjection.__table__)

_T = _TICKETS.c
#: the columns a :class:`StoredTicket` is read from, in its constructor's order of use
_TICKET_COLUMNS = (
    _T.id, _T.number, _T.subject, _T.channel, _T.status, _T.priority, _T.type,
    _T.organization_id, _T.requester_id, _T.status_reason, _T.assignee_id, _T.team, _T.tags,
    _T.facts, _T.attributes, _T.policy_version_id, _T.over_quota, _T.community_answered,
    _T.created_at, _T.updated_at, _T.last_seq, _T.sla_state, _T.sla_due_at,
    _T.next_sla_event_at,
)  # fmt: skip
_SELECT_TICKET = select(*_TICKET_COLUMNS)
#: a ticket's projections as one text, a line per target: ``metric\tstate\tdue_at in µs since
#: the epoch (empty: none)\tbusiness time used in µs``; the seconds are ``µs / 10**6``, which
#: is how they were stored (``timedelta.total_seconds``), exactly
_PACKED_PROJECTIONS = {
    "sqlite": """(SELECT group_concat(p.metric || char(9) || p.state || char(9)
        || coalesce(CAST(strftime('%s', p.due_at) AS INTEGER) * 1000000
                    + CAST(substr(p.due_at, 21, 6) AS INTEGER), '')
        || char(9) || CAST(round(p.used_seconds * 1000000) AS INTEGER), char(10))
        FROM sla_projections p WHERE p.ticket_id = tickets.id)""",
    "postgresql": """(SELECT string_agg(p.metric || E'\\t' || p.state || E'\\t'
        || coalesce(((extract(epoch FROM p.due_at) * 1000000)::bigint)::text, '')
        || E'\\t' || round(p.used_seconds * 1000000)::bigint::text, E'\\n')
        FROM sla_projections p WHERE p.ticket_id = tickets.id)""",
}


def _select_replay(dialect: str) -> Select[Any]:
    """What a back-test reads of a ticket (``ReplaySource``) and its recorded projections,
    raw: instants and JSON as text, the history and the projections packed."""
    return select(
        _T.id, _T.number, _T.channel, _T.priority, _T.type, _T.team,
        type_coerce(_T.created_at, String), sql_cast(_T.facts, Text), _T.policy_version_id,
        _T.community_answered, _T.sla_history_packed,
        literal_column(_PACKED_PROJECTIONS[dialect]),
    )  # fmt: skip


#: a due ticket and its people (``_repo_audience.py``), for the sweep's escalations
_DUE = (
    select(*_TICKET_COLUMNS, *PEOPLE_COLUMNS)
    .select_from(WITH_PEOPLE)
    .order_by(_T.next_sla_event_at)
)
_INSERT_TICKET = plain(insert(_TICKETS).returning(_T.id, _T.number))
_INSERT_EVENTS = plain(insert(_EVENTS))
_TOUCH = plain(
    update(_TICKETS).where(_T.id == bindparam("ticket_id")).values(updated_at=bindparam("at"))
)
_INSERT_MESSAGES = plain(insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True))
_INSERT_PROJECTIONS = plain(insert(_PROJECTIONS))
_E = _EVENTS.c
_HISTORY = select(_E.seq, _E.at, _E.kind, _E.actor, _E.data).order_by(_E.seq)
#: a ticket to change (:meth:`TicketGateway.load_for_change`), locked, with its packed SLA
#: history: for every organisation, and for one
_FOR_CHANGE = select(*_TICKET_COLUMNS, _T.sla_history_packed).where(_T.id == bindparam("ticket_id"))
_LOAD_FOR_CHANGE = plain(_FOR_CHANGE.with_for_update())
_LOAD_FOR_CHANGE_IN = plain(
    _FOR_CHANGE.where(_T.organization_id == bindparam("organization_id")).with_for_update()
)
_DELETE_PROJECTIONS = plain(
    delete(_PROJECTIONS).where(_PROJECTIONS.c.ticket_id == bindparam("ticket_id"))
)
#: the UPDATE of a changed ticket's row, by the columns it sets (a handful of shapes)
_UPDATES: dict[tuple[str, ...], Any] = {}


def _update_of(columns: tuple[str, ...]) -> Any:
    """The plain UPDATE of a ticket row setting ``columns`` (parameters ``v_<column>``; the
    packed history is appended to: ``v_sla_history_packed`` is what is appended)."""
    statement = _UPDATES.get(columns)
    if statement is None:
        values = {
            c: _T.sla_history_packed + bindparam(f"v_{c}", type_=Text())
            if c == "sla_history_packed"
            else bindparam(f"v_{c}", type_=_T[c].type)
            for c in columns
        }
        statement = _UPDATES[columns] = plain(
            update(_TICKETS).where(_T.id == bindparam("ticket_id")).values(**values)
        )
    return statement


_M = _MESSAGES.c
#: a message value's fields are its columns: a new column is a field of the two values
_MESSAGE_COLUMNS = tuple(_M[f.name] for f in fields(StoredMessage))
_NEW_MESSAGE_FIELDS = tuple(f.name for f in fields(NewMessage))


def _stored(row: Row[Any] | Sequence[Any]) -> StoredTicket:
    (id_, number, subject, channel, status, priority, type_, organization_id, requester_id,
     status_reason, assignee_id, team, tags, facts, attributes, policy_version_id, over_quota,
     community_answered, created_at, updated_at, last_seq, sla_state, sla_due_at,
     next_sla_event_at) = tuple(row)  # fmt: skip
    state = TicketState(
        status=Status(status), priority=priority, type=type_, organization_id=organization_id,
        requester_id=requester_id, status_reason=status_reason, assignee_id=assignee_id,
        team=team, accepted=bool(facts.get("accepted", False)), tags=frozenset(tags),
    )  # fmt: skip
    return StoredTicket(
        id=int(id_), number=int(number), subject=subject, channel=channel, state=state,
        facts=_facts(facts), attributes=dict(attributes),
        policy_version_id=policy_version_id, over_quota=bool(over_quota),
        community_answered=bool(community_answered), created_at=created_at,
        updated_at=updated_at, last_seq=int(last_seq), sla_state=sla_state,
        sla_due_at=sla_due_at, next_sla_event_at=next_sla_event_at,
    )  # fmt: skip


def _facts(data: dict[str, Any]) -> TicketFacts | None:
    try:
        return facts_from_data(data)
    except (KeyError, TypeError, ValueError):
        return None


def _packed(entries: Sequence[HistoryEntry]) -> str:
    """The packed-history lines of ``entries`` (``store/_codec.py``): what is appended to
    ``tickets.sla_history_packed`` wherever they are appended to ``ticket_events``."""
    return pack_history((e.kind, e.at, e.data) for e in entries)


def _state_columns(state: TicketState) -> dict[str, Any]:
    return {
        "status": state.status.value, "status_reason": state.status_reason,
        "priority": state.priority, "type": state.type,
        "organization_id": state.organization_id, "requester_id": state.requester_id,
        "assignee_id": state.assignee_id, "team": state.team, "tags": sorted(state.tags),
    }  # fmt: skip


def _message_columns(ticket_id: int, m: NewMessage) -> dict[str, Any]:
    return {"ticket_id": ticket_id, **{name: getattr(m, name) for name in _NEW_MESSAGE_FIELDS}}


def _facts_column(facts: TicketFacts | None, state: TicketState) -> dict[str, Any]:
    if facts is None:
        raise ValueError("a ticket whose facts cannot be read cannot change")
    return facts_data(facts, accepted=state.accepted)


class TicketGateway:
    """Tickets, their history, messages and SLA projections, in one unit of work."""

    __slots__ = ("_audit", "_db", "_idempotency", "_outbox", "_sweep", "_tickets")

    def __init__(self, db: Db) -> None:
        self._db = db
        self._tickets = TicketRepository(db)
        self._audit = AuditRepository(db)
        self._outbox = OutboxRepository(db)
        self._idempotency = IdempotencyRepository(db)
        self._sweep = SweepRepository(db)

    # ---------------------------------------------------------------- reads

    def load(self, ticket_id: int, scope: Scope, *, for_update: bool = False) -> StoredTicket:
        """The ticket if ``scope`` may see it; NotFound otherwise (never Forbidden).
        ``for_update``: locked until the transaction ends (PostgreSQL), for a change."""
        stmt = scoped(_SELECT_TICKET.where(_T.id == ticket_id), scope)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._db.execute(stmt).first()
        if row is None:
            raise NotFound("ticket", ticket_id)
        return _stored(row)

    def load_for_change(self, ticket_id: int, scope: Scope) -> tuple[StoredTicket, list[Event]]:
        """The ticket if ``scope`` may see it, locked until the transaction ends (as
        :meth:`load` ``for_update``), with its SLA events (what evaluation reads) from the
        packed history on its row: one statement where :meth:`load` and
        :meth:`sla_history` are two (a ticket without a packed history has its rows read).
        For a change whose answer does not show the history (the mail intake's reply, a
        batch of changes)."""
        if scope.everything:
            row = self._db.run(_LOAD_FOR_CHANGE, {"ticket_id": ticket_id}).first()
        elif scope.organization_id is None:
            raise NotFound("ticket", ticket_id)
        else:
            row = self._db.run(
                _LOAD_FOR_CHANGE_IN,
                {"ticket_id": ticket_id, "organization_id": scope.organization_id},
            ).first()
        if row is None:
            raise NotFound("ticket", ticket_id)
        ticket, packed = _stored(tuple(row)[:-1]), row[-1]
        if packed is None:
            return ticket, self.sla_history(ticket.id)
        return ticket, unpack_history(packed, {}, event_shape).events()

    def find(
        self, scope: Scope, *, ticket_ids: Sequence[int] | None = None, **filters: Any
    ) -> list[StoredTicket]:
        """A page of tickets in ``scope`` (the filters of ``TicketRepository.query``:
        ``status``, ``open_only``, ``order_by_due``, ``limit``...), among ``ticket_ids``
        when given (a search's matches: :meth:`search`)."""
        if ticket_ids is not None:
            filters["search"] = among(self._db.dialect, ticket_ids)
            filters["few_rows"] = True
        return [
            _stored(r) for r in self._db.execute(ticket_query(_SELECT_TICKET, scope, **filters))
        ]

    def search(self, terms: Sequence[str], *, include_internal: bool) -> SearchMatches:
        """The tickets whose subject or a message holds every term (``store/_search.py``;
        internal notes count with ``include_internal``); not scoped: :meth:`find` scopes."""
        return search_matches(self._db, terms, include_internal=include_internal)

    def history(self, ticket_id: int) -> list[HistoryEntry]:
        """Every history entry of the ticket, in order."""
        rows = self._db.execute(_HISTORY.where(_E.ticket_id == ticket_id))
        return [
            HistoryEntry(kind, at, actor, data or {}, seq) for seq, at, kind, actor, data in rows
        ]

    def sla_history(self, ticket_id: int) -> list[Event]:
        """The ticket's SLA events (what evaluation reads), in order."""
        return sla_events((e.kind, e.at, e.data) for e in self.history(ticket_id))

    def messages(self, ticket_id: int, *, include_internal: bool) -> list[StoredMessage]:
        stmt = select(*_MESSAGE_COLUMNS).where(_M.ticket_id == ticket_id)
        if not include_internal:
            stmt = stmt.where(_M.public.is_(True))
        return [StoredMessage(*row) for row in self._db.execute(stmt.order_by(_M.id))]

    def count_created(
        self,
        organization_id: int,
        start: datetime,
        end: datetime,
        *,
        except_types: Collection[str] = (),
    ) -> int:
        """How many tickets the organisation filed in [start, end) (the plan's quota),
        leaving out ``except_types`` (types outside the quota)."""
        return self._tickets.count_created(organization_id, start, end, except_types=except_types)

    def replay_page(
        self,
        scope: Scope,
        *,
        after_id: int,
        limit: int,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> list[ReplaySource]:
        """The next ``limit`` tickets in ``scope`` with an id above ``after_id``, in id order,
        created in [created_from, created_to) when given (a keyset page: its cost does not
        grow with the position), as a back-test reads them: each with its SLA events and its
        recorded projections (its targets as last evaluated), in one query. The history is
        the packed one on the row; a ticket without one has its history rows read, in one
        more query for the page. Read raw, without column types: each distinct facts
        document and event shape is decoded once per page."""
        stmt = scoped(_select_replay(self._db.dialect).where(_T.id > after_id), scope)
        if created_from is not None:
            stmt = stmt.where(_T.created_at >= created_from)
        if created_to is not None:
            stmt = stmt.where(_T.created_at < created_to)
        rows = raw_rows(self._db.execute(stmt.order_by(_T.id).limit(limit)))
        shapes: dict[str, Event] = {}
        facts: dict[str, TicketFacts | None] = {}
        unpacked = [r[0] for r in rows if r[10] is None]
        histories = self._sweep.histories(unpacked) if unpacked else {}
        out = []
        for (id_, number, channel, priority, type_, team, created_at, facts_text, version,
             community, packed, projected) in rows:  # fmt: skip
            try:
                f = facts[facts_text]
            except KeyError:
                f = facts[facts_text] = _facts(json.loads(facts_text or "{}"))
            history = (
                histories.get(id_, []) if packed is None
                else unpack_history(packed, shapes, event_shape)
            )  # fmt: skip
            out.append(
                ReplaySource(id_, number, channel, priority, type_, team, instant(created_at), f,
                             version, bool(community), history, projected)
            )  # fmt: skip
        return out

    def count_in(
        self, scope: Scope, created_from: datetime | None, created_to: datetime | None
    ) -> int:
        """How many tickets :meth:`replay_page` would go through (for a progress bar)."""
        stmt = scoped(select(func.count()).select_from(_TICKETS), scope)
        if created_from is not None:
            stmt = stmt.where(_T.created_at >= created_from)
        if created_to is not None:
            stmt = stmt.where(_T.created_at < created_to)
        return int(self._db.execute(stmt).scalar_one())

    # ---------------------------------------------------------------- writes

    def insert_new(self, record: NewTicketRecord) -> tuple[StoredTicket, list[StoredMessage]]:
        """Write a new ticket with its first history, messages and projections; the ticket
        as stored and its messages (with their ids)."""
        state = record.state
        queue = queue_columns(record.evaluation)
        values = {
            "subject": record.subject, "channel": record.channel, **_state_columns(state),
            "attributes": dict(record.attributes),
            "facts": _facts_column(record.facts, state),
            "policy_version_id": record.policy_version_id, "over_quota": record.over_quota,
            "community_answered": record.community_answered, "created_at": record.at,
            "updated_at": record.at, "last_seq": len(record.history), **queue,
            "sla_history_packed": _packed(record.history),
        }  # fmt: skip
        if self._db.dialect != "postgresql":
            values["number"] = self._tickets.next_number()
        id_, number = self._db.run(_INSERT_TICKET, values).one()
        ticket_id = int(id_)
        messages = self.add_messages(ticket_id, record.messages)
        # held from here: written together before the next statement or at the commit
        self._hold_history(ticket_id, [replace(e, seq=n) for n, e in enumerate(record.history, 1)])
        if record.evaluation is not None and record.evaluation.targets:
            rows = projection_rows(ticket_id, record.evaluation, record.at)
            self._db.insert_later(_INSERT_PROJECTIONS, _PROJECTIONS, rows)
        if record.idempotency is not None:
            key, actor, fingerprint = record.idempotency
            self._idempotency.add(key, actor, ticket_id, record.at, fingerprint)
        stored = StoredTicket(
            id=ticket_id, number=int(number), subject=record.subject, channel=record.channel,
            state=state, facts=record.facts, attributes=dict(record.attributes),
            policy_version_id=record.policy_version_id, over_quota=record.over_quota,
            community_answered=record.community_answered, created_at=record.at,
            updated_at=record.at, last_seq=len(record.history), sla_state=queue["sla_state"],
            sla_due_at=queue["sla_due_at"], next_sla_event_at=queue["next_sla_event_at"],
        )  # fmt: skip
        return stored, messages

    def add_messages(self, ticket_id: int, messages: Sequence[NewMessage]) -> list[StoredMessage]:
        """Store messages on a ticket in one statement; them with their ids. WriteConflict
        when one's ``external_id`` is stored already on its channel (delivered twice)."""
        if not messages:
            return []
        rows = [_message_columns(ticket_id, m) for m in messages]
        try:
            if len(rows) == 1:  # the usual case: plainly (``store/_plain.py``)
                ids = [int(self._db.run(_INSERT_MESSAGES, rows[0]).one()[0])]
            else:
                ids = [int(i) for i in self._db.execute(_INSERT_MESSAGES, rows).scalars()]
        except IntegrityError as e:
            raise WriteConflict(f"a message of ticket {ticket_id} is stored already") from e
        return [StoredMessage(id_, **row) for id_, row in zip(ids, rows, strict=True)]

    def apply(self, ticket: StoredTicket, change: TicketChange) -> StoredTicket:
        """Append ``change.events`` to the ticket's history (the row should be locked:
        :meth:`load` with ``for_update``), write its new state and queue columns, replace
        its projection rows; the ticket as it now stands."""
        now = change.at
        entries = change.entries(after=ticket.last_seq)
        last_seq = ticket.last_seq + len(entries)
        queue = queue_columns(change.evaluation)
        if has_passed_milestone(change.evaluation):
            # A warning or breach may have passed since the last sweep (a reply after the
            # deadline, a re-prioritisation that makes the ticket late): keep the ticket due
            # so the sweep records it. Its milestones are unique, so a second visit is a no-op.
            queue["next_sla_event_at"] = now
        values: dict[str, Any] = {"last_seq": last_seq, **queue}
        state, updated_at = ticket.state, ticket.updated_at
        if change.state is not None:
            state, updated_at = change.state, now
            values.update(_state_columns(state), updated_at=now)
            if state.accepted and not ticket.state.accepted:
                values["facts"] = _facts_column(ticket.facts, state)
        attributes = ticket.attributes
        changed = [e.attributes for e in change.events if e.kind is EventKind.ATTRIBUTES]
        if any(changed):  # the ticket's attributes as they now stand (merged, as evaluation)
            merged = dict(attributes)
            for a in changed:
                merged.update(a)
            attributes = values["attributes"] = merged
        packed = _packed(entries)
        if packed:  # the same history, packed: appended in the same statement
            values["sla_history_packed"] = packed
        policy_version_id = ticket.policy_version_id
        if change.policy_version_id is not None:
            policy_version_id = values["policy_version_id"] = change.policy_version_id
        self._db.run(_DELETE_PROJECTIONS, {"ticket_id": ticket.id})
        columns = tuple(sorted(values))
        self._db.run(
            _update_of(columns),
            {"ticket_id": ticket.id, **{f"v_{c}": values[c] for c in columns}},
        )
        self._hold_history(ticket.id, entries)
        if change.evaluation is not None and change.evaluation.targets:
            rows = projection_rows(ticket.id, change.evaluation, now)
            self._db.insert_later(_INSERT_PROJECTIONS, _PROJECTIONS, rows)
        return StoredTicket(
            id=ticket.id, number=ticket.number, subject=ticket.subject, channel=ticket.channel,
            state=state, facts=ticket.facts, attributes=attributes,
            policy_version_id=policy_version_id, over_quota=ticket.over_quota,
            community_answered=ticket.community_answered, created_at=ticket.created_at,
            updated_at=updated_at, last_seq=last_seq, sla_state=queue["sla_state"],
            sla_due_at=queue["sla_due_at"], next_sla_event_at=queue["next_sla_event_at"],
        )  # fmt: skip

    def append_history(
        self, ticket: StoredTicket, entries: Sequence[HistoryEntry], at: datetime
    ) -> StoredTicket:
        """Append history entries that are not SLA events (a page, its acknowledgement...) to
        a ticket loaded ``for_update``; its state and clocks stay as they are."""
        numbered = [replace(e, seq=ticket.last_seq + n) for n, e in enumerate(entries, 1)]
        last_seq = ticket.last_seq + len(numbered)
        values: dict[str, Any] = {"last_seq": last_seq, "updated_at": at}
        packed = _packed(numbered)
        if packed:  # not what this is for, but kept exact if it happens
            values["sla_history_packed"] = _T.sla_history_packed + packed
        self._db.execute(update(_TICKETS).where(_T.id == ticket.id).values(**values))
        self._hold_history(ticket.id, numbered)
        return replace(ticket, last_seq=last_seq, updated_at=at)

    def touch(self, ticket_id: int, at: datetime) -> None:
        """Mark the ticket updated at ``at`` (something was added to it, not to its state)."""
        self._db.run(_TOUCH, {"ticket_id": ticket_id, "at": at})

    def record_effects(
        self, audit: Sequence[AuditRow], outbox: Sequence[OutboxEntry], now: datetime
    ) -> None:
        """The audit entries and outbox messages of a change (held; an outbox key already
        queued is skipped)."""
        self._audit.add_many(audit)
        self._outbox.add_many(outbox, now)

    def _hold_history(self, ticket_id: int, entries: Sequence[HistoryEntry]) -> None:
        """Hold the INSERT of numbered history entries."""
        rows = [
            {"ticket_id": ticket_id, "seq": e.seq, "at": e.at, "kind": e.kind, "actor": e.actor,
             "data": dict(e.data)}
            for e in entries
        ]  # fmt: skip
        self._db.insert_later(_INSERT_EVENTS, _EVENTS, rows)

    # ---------------------------------------------------------------- the sweep

    def anything_due(self, now: datetime) -> bool:
        """Whether any ticket's next SLA instant is not after ``now`` (one index probe)."""
        return self._sweep.anything_due(now)

    def claim_due(self, now: datetime, limit: int) -> list[DueTicket]:
        """Up to ``limit`` tickets whose next SLA instant is not after ``now``, earliest first
        (an index range scan on ``next_sla_event_at``), with their audience, in one SELECT.
        On PostgreSQL the ticket rows are locked ``FOR UPDATE SKIP LOCKED``: other sweepers
        take other tickets, and a ticket use case waits for this transaction (it locks the
        ticket row first too)."""
        stmt = _DUE.where(_T.next_sla_event_at <= now).limit(limit)
        if self._db.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True, of=_TICKETS)
        width = len(_TICKET_COLUMNS)
        due = []
        for row in self._db.execute(stmt):
            t = _stored(row[:width])
            audience = TicketAudience(t.id, t.number, t.subject, t.priority,
                                      t.organization_id, *row[width:])  # fmt: skip
            due.append(DueTicket(t, audience))
        return due

    def sla_histories(self, ticket_ids: Sequence[int]) -> dict[int, list[Event]]:
        """The SLA events of each ticket, in one query (a ticket without any: [])."""
        return self._sweep.histories(ticket_ids)

    def record_milestones(
        self, rows: Sequence[tuple[int, str, int, str, datetime]], now: datetime
    ) -> list[tuple[int, str, int, str]]:
        """Record ``(ticket id, metric, cycle, threshold, at)`` milestones; the keys of those
        not recorded before (each is recorded once, however many sweepers race)."""
        return self._sweep.record_milestones(rows, now)

    def apply_batch(
        self, swept: Sequence[SweptTicket], outbox: Sequence[OutboxEntry], now: datetime
    ) -> None:
        """Write a sweep batch: each ticket's new history entries, the outbox messages, the
        projections of those evaluated, and every ticket row's ``last_seq`` and queue
        columns. A fixed number of statements, whatever the batch's size."""
        events: list[tuple[int, int, datetime, str, str, dict[str, Any]]] = []
        tickets: list[tuple[int, int, str | None, datetime | None, datetime | None]] = []
        packed: list[tuple[int, str]] = []
        for s in swept:
            t = s.ticket
            seq = t.last_seq
            for e in s.entries:
                seq += 1
                events.append((t.id, seq, e.at, e.kind, e.actor, dict(e.data)))
            lines = _packed(s.entries)
            if lines:  # the sweep writes milestones, not SLA events: kept exact if it does
                packed.append((t.id, lines))
            if s.failed:
                tickets.append((t.id, seq, t.sla_state, t.sla_due_at, s.next_check_at))
            else:
                q = queue_columns(s.evaluation)
                tickets.append((t.id, seq, q["sla_state"], q["sla_due_at"], s.next_check_at))
        self._sweep.append_events(events)
        self._sweep.queue(outbox, now)
        self._sweep.save_projections(
            [(s.ticket.id, s.evaluation) for s in swept if not s.failed], now
        )
        self._sweep.update_tickets(tickets)
        self._sweep.append_packed(packed)
