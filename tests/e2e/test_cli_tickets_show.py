"""`sladesk tickets show`, run as the installed command on a SQLite file written through the
services: it shows a ticket's SLA as the API answers it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_cli_serve import SLADESK, clean_env

from sladesk import services
from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.services import (
    Actor,
    FixedClock,
    NewAgent,
    NewContact,
    NewOrganization,
    NewTicket,
    Role,
    TicketView,
)
from sladesk.sla import format_duration

POLICY = Path(__file__).resolve().parents[2] / "examples" / "policies" / "infraspeak.yaml"
#: Tuesday 10 March 2026, 10:00 in Lisbon (WET = UTC): inside Infraspeak's support hours
START = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@dataclass
class Desk:
    url: str
    container: Container
    agent: Actor
    contact: Actor
    contact_id: int

    @property
    def clock(self) -> FixedClock:
        clock = self.container.clock
        assert isinstance(clock, FixedClock)
        return clock


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    c = bootstrap(Settings(database_url=url), clock=FixedClock(START), migrate=True)
    system = Actor.system("cli-tests")
    a = services.create_agent(c.uow(), c.clock, system, NewAgent("al@desk.test", "Al Agent"))
    agent = Actor.agent(a.id, Role.ADMIN, name=a.name)
    services.publish_policy(c.uow(), c.clock, agent, POLICY.read_text(encoding="utf-8"))
    org = services.create_organization(
        c.uow(), c.clock, agent, NewOrganization("Acme", "acme", plan="premium")
    )
    who = services.create_contact(
        c.uow(), c.clock, agent, NewContact(org.id, "cleo@acme.test", "Cleo Contact")
    )
    try:
        yield Desk(url, c, agent, Actor.contact(who.id, org.id, name=who.name), who.id)
    finally:
        c.dispose()


def show(desk: Desk, ticket_id: int) -> str:
    done = subprocess.run(
        [str(SLADESK), "tickets", "show", str(ticket_id), "--database-url", desk.url],
        env=clean_env(COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _row(text: str, first_cell: str) -> list[str]:
    line = next(line for line in text.splitlines() if f" {first_cell} " in line)
    return [cell.strip() for cell in line.strip("│┃ ").split("│")]


def test_show_gives_a_met_target_the_length_the_api_gives(desk: Desk) -> None:
    c, clock = desk.container, desk.clock
    new = NewTicket("VPN drops", "Every hour.", type="incident", priority="high")
    ticket = services.create_ticket(c.uow(), clock, desk.contact, new)
    clock.advance(timedelta(hours=1))
    services.reply_publicly(c.uow(), clock, desk.agent, ticket.id, "Looking into it.")
    clock.advance(timedelta(minutes=10))
    view: TicketView = services.change_priority(
        c.uow(), clock, desk.agent, ticket.id, "urgent", "the whole office is offline"
    )
    assert view.sla is not None
    first = next(t for t in view.sla.targets if t.metric == "first_response")
    assert first.target is not None and first.left is not None
    # met under high (12h) after 1h; raised to urgent (4h) later: still 12h, 11h left
    assert (first.state.value, first.priority, first.target_text) == ("met", "high", "12h")

    row = _row(show(desk, ticket.id), "first_response")
    assert row[:4] == ["first_response", "high", "12h", "met"]
    assert row[6:8] == [format_duration(first.used), format_duration(first.left)] == ["1h", "11h"]


def test_show_says_who_wrote_the_first_message_and_for_whom(desk: Desk) -> None:
    c = desk.container
    new = NewTicket("Called in", "Printer jams.", type="incident", requester_id=desk.contact_id)
    ticket = services.create_ticket(c.uow(), desk.clock, desk.agent, new)
    row = _row(show(desk, ticket.id), "reply")
    assert row[1:] == ["Al Agent (agent) for Cleo Contact (contact)", "reply", "Printer jams."]
