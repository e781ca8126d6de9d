"""The bulk history read (``TicketGateway.sla_histories``: raw rows decoded by the store's
``EventReader``) gives exactly the events the one-ticket read gives (``sla_history``, through
the column types), for every kind of SLA event, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from desk_fixtures import Desk

from sladesk import services
from sladesk.services import NewTicket
from sladesk.tickets import Scope


def test_bulk_and_single_reads_agree(desk: Desk) -> None:
    ids = []
    for n in range(3):
        view = services.create_ticket(
            desk.uow, desk.clock, desk.bob,
            NewTicket(f"Broken {n}", "It broke", type="incident", priority="high",
                      tags=("vip",), attributes={"integration": "yes"}),
        )  # fmt: skip
        desk.clock.advance(timedelta(minutes=7, microseconds=123_456))
        services.reply_publicly(desk.uow, desk.clock, desk.agent, view.id, "On it")
        services.add_internal_note(desk.uow, desk.clock, desk.agent, view.id, "note")
        services.change_priority(desk.uow, desk.clock, desk.agent, view.id, "urgent", "outage")
        services.change_status(desk.uow, desk.clock, desk.agent, view.id, "on_hold",
                               reason="partner_outage")  # fmt: skip
        desk.clock.advance(timedelta(hours=1))
        services.reply_publicly(desk.uow, desk.clock, desk.bob, view.id, "Any news?")
        ids.append(view.id)
    with desk.uow.read_only():
        bulk = desk.uow.gateway.sla_histories(ids)
        single = {i: desk.uow.gateway.sla_history(i) for i in ids}
        desk.uow.gateway.load(ids[0], Scope.all_organizations())
    assert bulk == single
    assert all(len(events) >= 6 for events in bulk.values())
    kinds = {e.kind.value for events in bulk.values() for e in events}
    assert {"created", "message", "priority", "status"} <= kinds
    assert all(e.at.utcoffset() == timedelta(0) for events in bulk.values() for e in events)
