"""The packed SLA history on each ticket row (``tickets.sla_history_packed``, migration 0022)
holds exactly the SLA events of its ``ticket_events`` rows, after every kind of write
(the ticket use cases, the sweep, imports, re-imports), after the migration's back-fill, on
SQLite and PostgreSQL; the back-test reads it (``TicketGateway.replay_page``) and falls back
to the rows for a ticket whose row was written around the gateway."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from desk_fixtures import POLICY, Desk
from sqlalchemy import Engine, delete, func, insert, select, update

from sladesk import services
from sladesk.importers import read_export
from sladesk.jobs.sweep import sweep_due
from sladesk.services import NewTicket
from sladesk.sla import EventLog, unpack_history
from sladesk.store import HistoryEntry, SweptTicket, upgrade
from sladesk.store._codec import event_shape
from sladesk.store._migrate import alembic_config
from sladesk.store._tables import SlaProjection, Ticket, TicketEvent
from sladesk.tickets import Scope

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
TIGHT = POLICY.replace("durations: {urgent: 1h, high: 4h, normal: 8h}",
                       "durations: {urgent: 15m, high: 2h, normal: 4h}")  # fmt: skip


def _packed(desk: Desk) -> dict[int, str | None]:
    with desk.uow.read_only():
        rows = desk.uow.db.execute(select(Ticket.id, Ticket.sla_history_packed)).all()
    return {int(i): p for i, p in rows}


def _assert_packed_equals_rows(desk: Desk) -> int:
    """Every ticket's packed history, unpacked, is its SLA events as read from the rows;
    how many events were compared."""
    packed = _packed(desk)
    compared = 0
    with desk.uow.read_only():
        for ticket_id, text in packed.items():
            assert text is not None, ticket_id
            rows = desk.uow.gateway.sla_history(ticket_id)
            assert unpack_history(text, {}, event_shape).events() == rows, ticket_id
            compared += len(rows)
    return compared


def _busy_desk(desk: Desk) -> list[int]:
    """Tickets through most of what a desk does to them."""
    c = desk.clock
    ids = []
    for n, (who, priority) in enumerate(
        ((desk.bob, "urgent"), (desk.alice, "normal"), (desk.bob, "high"))
    ):
        view = services.create_ticket(
            desk.uow, c, who,
            NewTicket(f"Broken {n}", "It broke", type="incident", priority=priority,
                      tags=("vip",), attributes={"integration": "yes"}),
        )  # fmt: skip
        ids.append(view.id)
    first, second, third = ids
    c.advance(timedelta(minutes=20, microseconds=654_321))
    services.accept_ticket(desk.uow, c, desk.agent, first)
    services.reply_publicly(desk.uow, c, desk.agent, first, "On it")
    services.add_internal_note(desk.uow, c, desk.agent, first, "note")
    services.assign_ticket(desk.uow, c, desk.agent, second, assignee_id=desk.agent.id)
    services.change_priority(desk.uow, c, desk.agent, second, "urgent", "outage")
    services.change_status(desk.uow, c, desk.agent, second, "on_hold", reason="partner_outage")
    services.change_type(desk.uow, c, desk.agent, third, "question")
    services.change_attributes(desk.uow, c, desk.agent, third, tags=["vip", "beta"],
                               attributes={"integration": "", "region": "eu"})  # fmt: skip
    c.advance(timedelta(hours=5))  # deadlines pass: the sweep records warnings and breaches
    report = sweep_due(desk.uow, c)
    assert report.tickets >= 1
    services.reply_publicly(desk.uow, c, desk.bob, first, "Any news?")
    services.solve_ticket(desk.uow, c, desk.agent, first)
    services.reopen_ticket(desk.uow, c, desk.bob, first)
    services.solve_ticket(desk.uow, c, desk.agent, third)
    services.close_ticket(desk.uow, c, desk.agent, third)
    c.advance(timedelta(days=3))
    sweep_due(desk.uow, c)
    return ids


def _import(desk: Desk, source: str) -> None:
    export = read_export(source, DATA / source)
    services.import_history(desk.uow, desk.clock, desk.admin, source,
                            export.organizations, export.people, export.tickets)  # fmt: skip


def test_packed_history_follows_every_write(desk: Desk) -> None:
    _busy_desk(desk)
    for source in ("zendesk", "freshdesk", "csv", "zendesk"):  # zendesk twice: re-imported
        _import(desk, source)
    assert len(_packed(desk)) >= 8
    assert _assert_packed_equals_rows(desk) >= 40


def test_the_migration_packs_what_is_stored(desk: Desk, engine: Engine) -> None:
    _busy_desk(desk)
    _import(desk, "zendesk")
    expected = _packed(desk)
    command.downgrade(alembic_config(engine), "0021_whatsapp_templates")
    _store_in_reverse(engine)
    upgrade(engine)
    assert _packed(desk).keys() == expected.keys()
    assert _assert_packed_equals_rows(desk) >= 20


def _store_in_reverse(engine: Engine) -> None:
    """The history of the ticket with the most events written again newest first, so that
    the rows' physical order is not their ``seq`` order: the back-fill must order by ``seq``."""
    events = TicketEvent.__table__
    with engine.begin() as conn:
        most = conn.execute(
            select(events.c.ticket_id)
            .group_by(events.c.ticket_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                select(events).where(events.c.ticket_id == most).order_by(events.c.seq.desc())
            )
        ]
        assert len(rows) >= 3
        conn.execute(delete(events).where(events.c.ticket_id == most))
        for row in rows:
            row.pop("id", None)
            conn.execute(insert(events).values(**row))


def _unpacked(packed: str | None) -> list[tuple[str, str, datetime | None, float]]:
    """A replay page's packed projections as the rows hold them."""
    out: list[tuple[str, str, datetime | None, float]] = []
    for line in packed.split("\n") if packed else ():
        metric, state, due, used = line.split("\t")
        at = (
            None if not due else datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(due))
        )
        out.append((metric, state, at, int(used) / 10**6))
    return out


def test_replay_pages_read_the_packed_history_or_the_rows(desk: Desk) -> None:
    ids = _busy_desk(desk)
    with desk.uow.read_only():
        rows = desk.uow.gateway.sla_histories(ids)
        stored = desk.uow.db.execute(
            select(SlaProjection.ticket_id, SlaProjection.metric, SlaProjection.state,
                   SlaProjection.due_at, SlaProjection.used_seconds)
        ).all()  # fmt: skip
        page = desk.uow.gateway.replay_page(Scope.all_organizations(), after_id=0, limit=10)
    assert [t.id for t in page] == ids
    projected: dict[int, list[tuple[str, str, datetime | None, float]]] = {}
    for ticket_id, *target in stored:
        projected.setdefault(ticket_id, []).append(tuple(target))  # type: ignore[arg-type]
    assert {t.id: sorted(_unpacked(t.projected)) for t in page} == {
        i: sorted(p) for i, p in projected.items()
    }
    assert len(stored) >= 4
    assert all(isinstance(t.history, EventLog) for t in page)
    assert {t.id: t.history.events() for t in page if isinstance(t.history, EventLog)} == rows
    before = services.backtest_policy(desk.uow, desk.clock, desk.lead, TIGHT, by=("priority",))
    assert before.tickets == 3 and before.flipped_total + before.shifted_total > 0
    with desk.uow:  # a row written around the gateway: not packed
        desk.uow.db.execute(
            update(Ticket).where(Ticket.id == ids[0]).values(sla_history_packed=None)
        )
        desk.uow.commit()
    with desk.uow.read_only():
        page = desk.uow.gateway.replay_page(Scope.all_organizations(), after_id=0, limit=10)
    assert page[0].history == rows[ids[0]]
    after = services.backtest_policy(desk.uow, desk.clock, desk.lead, TIGHT, by=("priority",))
    assert after == before


def test_every_gateway_append_keeps_the_packed_history(desk: Desk) -> None:
    """The sweep's batch write and ``append_history`` carry milestones and pages, not SLA
    events; should one ever carry an SLA event, the packed history still follows."""
    first, second = _busy_desk(desk)[:2]
    at = desk.clock.now()
    note = HistoryEntry("message", at, "test", {"author": "agent", "public": False})
    milestone = HistoryEntry("sla.warning", at, "sweep", {"metric": "resolution"})
    with desk.uow:
        t1 = desk.uow.gateway.load(first, Scope.all_organizations(), for_update=True)
        t2 = desk.uow.gateway.load(second, Scope.all_organizations(), for_update=True)
        desk.uow.gateway.apply_batch(
            [SweptTicket(t1, None, None, (milestone, note), failed=True),
             SweptTicket(t2, None, None, (milestone,), failed=True)],
            [], at,
        )  # fmt: skip
        desk.uow.commit()
    with desk.uow:
        t2 = desk.uow.gateway.load(second, Scope.all_organizations(), for_update=True)
        desk.uow.gateway.append_history(t2, [replace(note, at=at + timedelta(seconds=1))], at)
        desk.uow.commit()
    with desk.uow.read_only():
        kinds = [e.kind for e in desk.uow.gateway.history(first)[-2:]]
        internal = [e for e in desk.uow.gateway.sla_history(second) if not e.public]
    assert kinds == ["sla.warning", "message"]
    assert len(internal) == 1
    _assert_packed_equals_rows(desk)
