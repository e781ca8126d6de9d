"""Who an outbox message about a ticket may go to, and how to speak to them: the ticket's
people (requester, assignee, team, its organisation's dedicated agent) with the locale (the
requester's, else the organisation's) and the organisation's time zone. One SELECT for any
number of tickets: a ticket command reads one, the sweep a batch's worth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, func, select

from sladesk.store._db import Repository
from sladesk.store._plain import plain
from sladesk.store._tables import Contact, Organization, Ticket

__all__ = ["PEOPLE_COLUMNS", "WITH_PEOPLE", "AudienceRepository", "TicketAudience"]


@dataclass(frozen=True, slots=True)
class TicketAudience:
    """A ticket as an outbox message tells of it, with its people and their language."""

    id: int
    number: int
    subject: str
    priority: str
    organization_id: int | None
    status: str
    type: str
    requester_id: int | None
    assignee_id: int | None
    team: str | None
    dedicated_agent_id: int | None
    locale: str
    time_zone: str


_T = cast(Table, Ticket.__table__)
_O = cast(Table, Organization.__table__)
_C = cast(Table, Contact.__table__)
#: the people columns, read from :data:`WITH_PEOPLE` (the sweep's claim reads them too)
PEOPLE_COLUMNS = (
    _T.c.status, _T.c.type, _T.c.requester_id, _T.c.assignee_id, _T.c.team,
    _O.c.dedicated_agent_id,
    func.coalesce(_C.c.locale, _O.c.locale, "en"),
    func.coalesce(_O.c.time_zone, "UTC"),
)  # fmt: skip
#: tickets with their organisation and requester (outer joins: either may be missing)
WITH_PEOPLE = _T.outerjoin(_O, _O.c.id == _T.c.organization_id).outerjoin(
    _C, _C.c.id == _T.c.requester_id
)
_AUDIENCE = select(
    _T.c.id, _T.c.number, _T.c.subject, _T.c.priority, _T.c.organization_id, *PEOPLE_COLUMNS
).select_from(WITH_PEOPLE)


#: one ticket's audience, what a ticket command reads (sent plainly)
_AUDIENCE_OF_ONE = plain(_AUDIENCE.where(_T.c.id == bindparam("ticket_id")))


class AudienceRepository(Repository):
    def for_tickets(self, ticket_ids: Sequence[int]) -> dict[int, TicketAudience]:
        """The audience of each ticket of ``ticket_ids`` that exists (no scope: callers
        hold tickets they already may see, or are the system)."""
        if not ticket_ids:
            return {}
        if len(ticket_ids) == 1:
            # tickets, organisations, contacts: none of them is ever a held write
            found = self.db.run(
                _AUDIENCE_OF_ONE, {"ticket_id": ticket_ids[0]}, reads_held=False
            ).first()
            return {} if found is None else {int(found[0]): TicketAudience(*found)}
        rows = self.db.execute(_AUDIENCE.where(_T.c.id.in_(list(ticket_ids))))
        return {int(r[0]): TicketAudience(*r) for r in rows}
