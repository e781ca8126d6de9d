"""The agent console's queue page as one read: the change mark, a page of open tickets by
time left (filtered, searched), which of them passed a warning, and what the page's forms
offer — the policy's types, priorities and channels, the teams, the organisations, and the
agent's saved views — in **one** read-only transaction of seven statements, where it was
seven transactions of eight (the same reasoning as ``_ticket_page.py``).
``tests/integration/test_page_budgets.py`` pins how many statements it sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sladesk.policy import Policy
from sladesk.services._console_desk import SavedView, saved_views_as_read
from sladesk.services._dtos import OrganizationView, TicketFilters, TicketSummary
from sladesk.services._people import organization_view
from sladesk.services._tickets_read import TicketsFound, tickets_as_read
from sladesk.services.clock import Clock
from sladesk.store import ConsoleRepository, UnitOfWork
from sladesk.tickets import Actor, Forbidden, InvalidRequest

__all__ = ["QueuePage", "queue_page", "warned_as_read"]


@dataclass(frozen=True, slots=True)
class QueuePage:
    """What the console's queue page shows, read at ``now``."""

    now: datetime
    #: the change mark read before the rows (``queue_change_mark``): a change after them
    #: shows at the next poll
    mark: int
    rows: list[TicketSummary]
    #: there is a next page
    more: bool
    #: the rows with a running target past one of its warnings
    warned: frozenset[int]
    #: why the filters were refused (``rows`` is then empty)
    error: str | None
    #: when the search matched more subjects or messages than a search takes from each
    #: index, that number (the page says "1,000+"): the rows are found among the newest of
    #: them (``store/_search.py``); None otherwise
    search_capped_at: int | None
    policy: Policy | None
    teams: list[str]
    organizations: list[OrganizationView]
    saved_views: list[SavedView]


def queue_page(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    filters: TicketFilters,
    *,
    page_size: int = 50,
    offset: int = 0,
) -> QueuePage:
    """A page of the queue (``filters``, least time left first) with what the page shows
    beside it, in one read-only transaction. Agents only (Forbidden otherwise). A filter no
    ticket can have is not raised: the page shows it (``error``) with no rows."""
    if not actor.is_agent or actor.id is None:
        raise Forbidden("only agents open the console's queue")
    now = clock.now()
    with uow.read_only():
        mark = ConsoleRepository(uow.db).change_mark()
        try:
            found = tickets_as_read(uow, actor, filters, now, order_by_time_left=True,
                                    limit=page_size + 1, offset=offset,
                                    with_targets=True)  # fmt: skip
            error = None
        except InvalidRequest as exc:
            found, error = TicketsFound([]), str(exc)
        rows = found.rows[:page_size]
        return QueuePage(
            now=now,
            mark=mark,
            rows=rows,
            more=len(found.rows) > page_size,
            warned=frozenset(
                t.ticket_id
                for t in found.targets
                if t.state == "running" and _passed(t.warnings, now)
            ),
            error=error,
            search_capped_at=found.search_capped_at,
            policy=uow.policies.parsed(uow.policies.current_id()),
            teams=sorted({a.team for a in uow.people.agents() if a.team}),
            organizations=[organization_view(o) for o in uow.people.organizations(actor.scope)],
            saved_views=saved_views_as_read(uow, actor),
        )


def warned_as_read(
    uow: UnitOfWork, actor: Actor, ticket_ids: Sequence[int], now: datetime
) -> frozenset[int]:
    """Of ``ticket_ids`` (rows of a queue the caller has read), those with a running target
    that has passed one of its warnings at ``now``, in the caller's open unit of work. Staff
    only: warnings are internal. One SELECT for the whole page (none for no rows)."""
    if not actor.is_staff:
        raise Forbidden("only support staff see SLA warnings")
    rows = uow.projections.running_warnings(list(ticket_ids))
    return frozenset(ticket_id for ticket_id, warnings in rows if _passed(warnings, now))


def _passed(warnings: Iterable[dict[str, object]], now: datetime) -> bool:
    for w in warnings:
        if w.get("passed"):
            return True
        at = w.get("at")
        if isinstance(at, str) and datetime.fromisoformat(at) <= now:
            return True
    return False
