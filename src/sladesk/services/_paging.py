"""Paging on-call: a call to the on-call number pages whoever is on call; a page waits for
its acknowledgement and is re-paged to the next person of the rotation when it is not
acknowledged within the policy's ``on_call.repage_after``.

- :func:`page_on_call` is what the phone channel's webhook calls (as the system, with the
  ticket it filed or found) and what an agent recording a call triggers (``log_call(...,
  page_on_call=True)``). A ticket already being paged is not paged twice: the waiting page
  is returned.
- :func:`acknowledge_page` (an agent in the console or the API) and
  :func:`acknowledge_page_with_token` (the signed link in the page) stop the re-paging.
- :func:`repage_due` is the job runner's: each waiting page whose ``repage_at`` has come is
  handed on, at that minute, to :func:`sladesk.calendar.next_on_call`.

Every page, acknowledgement and re-page is a history entry of the ticket (``oncall.paged``,
``oncall.acknowledged``, ``oncall.repaged``; support sees them, customers do not) and an
audit row; the page itself is an outbox row of kind ``page`` (the mail sender, and any HTTP
pager endpoint by configuration), whose ``data.ack_path`` is the acknowledgement link: the
secret in it is kept only as its SHA-256 here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sladesk.calendar import next_on_call, on_call_at
from sladesk.policy import Policy
from sladesk.services._oncall import on_call_inputs, on_call_policy
from sladesk.services._outbox import outbox_message
from sladesk.services._ticket_sla import evaluate_ticket
from sladesk.services.clock import Clock
from sladesk.store import (
    AuditRow,
    HistoryEntry,
    OnCallRepository,
    PageRow,
    StoredTicket,
    UnitOfWork,
    sla_events,
)
from sladesk.tickets import Actor, Forbidden, InvalidRequest, NotFound, Scope, TicketRuleError

__all__ = [
    "PageView",
    "acknowledge_page",
    "acknowledge_page_with_token",
    "list_pages",
    "pages_as_read",
    "page_on_call",
    "page_in",
    "repage_due",
]

_SOURCES = ("call", "phone", "agent")


@dataclass(frozen=True, slots=True)
class PageView:
    id: int
    ticket_id: int
    ticket_number: int
    attempt: int  # 1 for the first page of a chain, 2 for its first re-page...
    agent_id: int | None  # None: nobody was on call (the leads were paged)
    agent_name: str | None
    shift: str
    source: str  # call | phone | agent | repage
    paged_at: datetime
    repage_at: datetime | None  # while it waits: when the next person is paged
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    superseded_at: datetime | None  # re-paged to the next person at this instant
    caller: str | None

    @property
    def status(self) -> str:
        if self.acknowledged_at is not None:
            return "acknowledged"
        return "repaged" if self.superseded_at is not None else "waiting"


def _view(p: PageRow) -> PageView:
    caller = p.data.get("caller")
    return PageView(
        p.id, p.ticket_id, p.ticket_number, p.attempt, p.agent_id, p.agent_name, p.shift,
        p.source, p.paged_at, p.repage_at, p.acknowledged_at, p.acknowledged_by,
        p.superseded_at, caller if isinstance(caller, str) else None,
    )  # fmt: skip


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ack_path(page_id: int, token: str) -> str:
    """The acknowledgement link's path (the web console serves it)."""
    return f"/oncall/pages/{page_id}/ack?token={token}"


def _covered(uow: UnitOfWork, ticket: StoredTicket, policy: Policy | None, now: datetime) -> None:
    """Refuse a ticket whose rule does not page on-call (Aivo: blocker/high incidents on
    vendor-built integrations of organisations with the 24x7 add-on)."""
    history = uow.gateway.history(ticket.id)
    evaluation = evaluate_ticket(uow, ticket, sla_events((e.kind, e.at, e.data) for e in history),
                                 now)  # fmt: skip
    rule_name = evaluation.rule if evaluation is not None else None
    rule = next((r for r in (policy.rules if policy else ()) if r.name == rule_name), None)
    pages = rule is not None and any(
        a.kind == "page" and a.to == "on_call"
        for t in rule.targets
        for a in (*t.on_warning, *t.on_breach)
    )
    if not pages:
        raise TicketRuleError(
            f"ticket #{ticket.number} is not covered by on-call: its rule "
            f"({rule_name or 'none'}) does not page on_call (Aivo: blocker or high incidents "
            "on vendor-built integrations, with the 24x7 add-on)",
            code="oncall.not_covered",
        )


def _issue(
    uow: UnitOfWork,
    now: datetime,
    actor: Actor,
    ticket: StoredTicket,
    *,
    attempt: int,
    agent_id: int | None,
    shift: str,
    source: str,
    repage_after: Any,
    data: dict[str, Any],
    history_kind: str,
    history_data: dict[str, Any],
) -> tuple[StoredTicket, PageRow, list[HistoryEntry]]:
    """Store one page, its history entry, its audit row and its outbox row."""
    repo = OnCallRepository(uow.db)
    token = secrets.token_urlsafe(24)
    page_id = repo.add_page({
        "ticket_id": ticket.id, "attempt": attempt, "agent_id": agent_id, "shift": shift,
        "source": source, "paged_at": now, "repage_at": now + repage_after,
        "acknowledged_at": None, "acknowledged_by": None, "superseded_at": None,
        "token_hash": _hash(token), "created_by": actor.key, "data": data,
    })  # fmt: skip
    page = repo.page(page_id)
    assert page is not None
    entry = HistoryEntry(history_kind, now, actor.key, {
        "page_id": page_id, "attempt": attempt, "agent_id": agent_id,
        "agent_name": page.agent_name, "shift": shift, "source": source,
        "repage_at": (now + repage_after).isoformat(), **history_data,
    })  # fmt: skip
    after = uow.gateway.append_history(ticket, [entry], now)
    entries = [replace(entry, seq=after.last_seq)]
    audience = uow.audience.for_tickets([ticket.id])[ticket.id]
    to = f"agent:{agent_id}" if agent_id is not None else "role:lead"
    message = outbox_message(
        "page", f"page:{page_id}", event=history_kind, at=now, actor="system:oncall",
        ticket=after, audience=audience, to=to,
        data={"page_id": page_id, "attempt": attempt, "ack_path": ack_path(page_id, token),
              "due_at": (now + repage_after).isoformat(), "shift": shift, **data},
    )  # fmt: skip
    audit = AuditRow(now, actor.key, f"sladesk.{history_kind}",
                     {"page_id": page_id, "agent_id": agent_id, "attempt": attempt},
                     ticket_id=ticket.id)  # fmt: skip
    uow.gateway.record_effects([audit], [message] if message is not None else [], now)
    return after, page, entries


def page_in(
    uow: UnitOfWork,
    now: datetime,
    actor: Actor,
    ticket_id: int,
    *,
    source: str = "call",
    caller: str | None = None,
    note: str | None = None,
) -> tuple[PageView, list[HistoryEntry]]:
    """:func:`page_on_call` in the caller's open unit of work (the caller commits): the
    page, and the history entries it added (none when the ticket was being paged already)."""
    if not actor.is_staff:
        raise Forbidden("only support staff and the phone channel can page on-call")
    if source not in _SOURCES:
        raise InvalidRequest(f"source must be one of {', '.join(_SOURCES)}", field="source")
    ticket = uow.gateway.load(ticket_id, Scope.all_organizations(), for_update=True)
    if ticket.state.is_done:
        raise TicketRuleError(f"ticket #{ticket.number} is {ticket.state.status.value}: "
                              "nothing to page on-call for", code="oncall.ticket_done")  # fmt: skip
    _, oncall = on_call_policy(uow)
    _covered(uow, ticket, uow.policies.parsed(ticket.policy_version_id), now)
    repo = OnCallRepository(uow.db)
    waiting = repo.waiting_page(ticket.id)
    if waiting is not None:
        return _view(waiting), []
    rotation = oncall.rotation
    members, overrides, _ = on_call_inputs(uow)
    who = on_call_at(rotation, members, overrides, now)
    data: dict[str, Any] = {}
    if caller:
        data["caller"] = caller.strip()[:200]
    if note:
        data["note"] = note.strip()[:1000]
    _, page, entries = _issue(
        uow, now, actor, ticket, attempt=1, agent_id=who.person, shift=who.shift,
        source=source, repage_after=rotation.repage_after, data=data,
        history_kind="oncall.paged", history_data=data,
    )  # fmt: skip
    return _view(page), entries


def page_on_call(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    *,
    source: str = "call",
    caller: str | None = None,
    note: str | None = None,
) -> PageView:
    """Page whoever is on call now about ``ticket_id`` (the phone channel: ``source="phone"``
    with the caller's number; an agent who took the call: ``"call"``). The ticket's rule
    must page on-call; a ticket already being paged keeps its waiting page."""
    now = clock.now()
    with uow:
        page, _ = page_in(uow, now, actor, ticket_id, source=source, caller=caller, note=note)
        uow.commit()
    return page


def _acknowledge(uow: UnitOfWork, now: datetime, page: PageRow, by: str, how: str) -> PageView:
    repo = OnCallRepository(uow.db)
    if page.acknowledged_at is not None:
        return _view(page)
    waiting = repo.waiting_page(page.ticket_id)
    if waiting is None:  # the chain was acknowledged already (through another page of it)
        done = [p for p in repo.pages_of(page.ticket_id) if p.acknowledged_at is not None]
        return _view(done[-1] if done else page)
    ticket = uow.gateway.load(page.ticket_id, Scope.all_organizations(), for_update=True)
    repo.acknowledge(waiting.id, now, by)
    entry = HistoryEntry("oncall.acknowledged", now, by, {
        "page_id": waiting.id, "attempt": waiting.attempt, "agent_id": waiting.agent_id,
        "how": how, "paged_at": waiting.paged_at.isoformat(),
    })  # fmt: skip
    uow.gateway.append_history(ticket, [entry], now)
    uow.gateway.record_effects(
        [AuditRow(now, by, "sladesk.oncall.acknowledged",
                  {"page_id": waiting.id, "how": how}, ticket_id=ticket.id)], [], now,
    )  # fmt: skip
    found = repo.page(waiting.id)
    assert found is not None
    return _view(found)


def acknowledge_page(uow: UnitOfWork, clock: Clock, actor: Actor, page_id: int) -> PageView:
    """An agent acknowledges a page (any page of the chain acknowledges the chain): the
    re-paging stops."""
    if not actor.is_staff:
        raise Forbidden("only support staff can acknowledge pages")
    now = clock.now()
    with uow:
        page = OnCallRepository(uow.db).page(page_id, for_update=True)
        if page is None:
            raise NotFound("page", page_id)
        view = _acknowledge(uow, now, page, actor.key, "console")
        uow.commit()
    return view


def acknowledge_page_with_token(
    uow: UnitOfWork, clock: Clock, page_id: int, token: str
) -> PageView:
    """The page's own link acknowledges it without signing in: the token is the secret the
    page carried (compared with its SHA-256 in constant time). A wrong token is NotFound."""
    now = clock.now()
    with uow:
        page = OnCallRepository(uow.db).page(page_id, for_update=True)
        if page is None or not token or not hmac.compare_digest(_hash(token), page.token_hash):
            raise NotFound("page", page_id)
        by = f"agent:{page.agent_id}" if page.agent_id is not None else "link"
        view = _acknowledge(uow, now, page, by, "link")
        uow.commit()
    return view


def list_pages(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, ticket_id: int | None = None, limit: int = 50
) -> list[PageView]:
    """A ticket's pages (oldest first), or the latest pages of every ticket."""
    if not actor.is_staff:
        raise Forbidden("only support staff can see pages")
    with uow.read_only():
        repo = OnCallRepository(uow.db)
        if ticket_id is not None:
            uow.gateway.load(ticket_id, actor.scope)
            return pages_as_read(uow, actor, ticket_id)
        return [_view(p) for p in repo.recent_pages(limit=max(1, min(limit, 500)))]


def pages_as_read(uow: UnitOfWork, actor: Actor, ticket_id: int) -> list[PageView]:
    """A ticket's pages (:func:`list_pages`) in the caller's open unit of work, for a ticket
    the caller was already found to see."""
    if not actor.is_staff:
        raise Forbidden("only support staff can see pages")
    return [_view(p) for p in OnCallRepository(uow.db).pages_of(ticket_id)]


def repage_due(uow: UnitOfWork, clock: Clock, *, limit: int = 50) -> int:
    """Hand on every waiting page whose acknowledgement is late: the next person of the
    rotation on duty now is paged (``oncall.repaged``), and the page before is superseded.
    A ticket solved or closed meanwhile is not re-paged. Returns the pages handed on."""
    now = clock.now()
    actor = Actor.system("oncall")
    with uow.single_read():  # one index probe; no write lock (SQLite) unless a page is due
        first = OnCallRepository(uow.db).next_due_at()
    if first is None or first > now:
        return 0
    with uow:
        repo = OnCallRepository(uow.db)
        due = repo.due(now, limit)
        if not due:
            return 0
        try:
            _, oncall = on_call_policy(uow)
        except InvalidRequest:  # the policy no longer has on-call: the chains end here
            for p in due:
                repo.supersede(p.id, now)
            uow.commit()
            return 0
        rotation = oncall.rotation
        members, overrides, _ = on_call_inputs(uow)
        for p in due:
            repo.supersede(p.id, now)
            ticket = uow.gateway.load(p.ticket_id, Scope.all_organizations(), for_update=True)
            if ticket.state.is_done:
                continue
            nxt = next_on_call(rotation, members, overrides, now, p.agent_id)
            if nxt is None:
                nxt = p.agent_id  # nobody else: the same person again
            shift = on_call_at(rotation, members, overrides, now).shift
            _issue(
                uow, now, actor, ticket, attempt=p.attempt + 1, agent_id=nxt, shift=shift,
                source="repage", repage_after=rotation.repage_after, data={},
                history_kind="oncall.repaged",
                history_data={"previous_page_id": p.id, "previous_agent_id": p.agent_id,
                              "due_at": p.repage_at.isoformat() if p.repage_at else None},
            )  # fmt: skip
        uow.commit()
    return len(due)
