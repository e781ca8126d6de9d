"""Retention use cases: what the next purge would delete, the purge itself, and legal holds.

The policy in effect decides how long a closed ticket's conversation is kept
(``retention_months``, :func:`sladesk.tickets.decide_retention`); a purge deletes the
messages, attachments (and their files), stored mail and the requester link of each expired
ticket not under a legal hold, and records what kinds went and how many (``retention_purges``,
never the content). The ticket row, its history of events and its SLA projections stay, so
reports keep their counts. One batch of tickets is one transaction; files kept outside the
database are removed after the commit. Only admins (and the system) run these.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import datetime

from sladesk.policy import Policy
from sladesk.services.clock import Clock
from sladesk.store import ClosedTicket, HoldRow, PurgeRecord, RetentionRepository, UnitOfWork
from sladesk.tickets import (
    Actor,
    Forbidden,
    InvalidRequest,
    NotFound,
    RetentionCandidate,
    RetentionDecision,
    decide_retention,
    purgeable,
)

__all__ = [
    "PurgeRun",
    "RetentionItem",
    "RetentionPreview",
    "clear_legal_hold",
    "list_legal_holds",
    "list_purges",
    "preview_retention",
    "purge_expired",
    "set_legal_hold",
]


@dataclass(frozen=True, slots=True)
class RetentionItem:
    ticket_id: int
    number: int
    closed_at: datetime
    expires_at: datetime
    held: bool


@dataclass(frozen=True, slots=True)
class RetentionPreview:
    now: datetime
    policy: str | None  # "name version", None when no policy is published
    due: tuple[RetentionItem, ...]  # expired and not held: the next run purges these
    held: tuple[RetentionItem, ...]  # expired but under a legal hold: kept
    #: when the first closed ticket not yet expired will expire (None: none will)
    next_expiry: datetime | None = None
    #: the policy's ``retention_months`` (plans may differ), and whether any is declared
    months: int | None = None
    declared: bool = False


@dataclass(frozen=True, slots=True)
class PurgeRun:
    now: datetime
    purged: tuple[PurgeRecord, ...]
    held: int  # expired tickets a legal hold kept
    remaining: int  # expired tickets left for the next batch (over ``limit``)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins can manage retention")


def _policy(uow: UnitOfWork) -> Policy | None:
    return uow.policies.parsed(uow.policies.current_id())


def _candidate(row: ClosedTicket) -> RetentionCandidate:
    return RetentionCandidate(row.id, row.plan, row.closed_at, row.held)


def _decisions(
    policy: Policy, rows: list[ClosedTicket], now: datetime
) -> list[tuple[ClosedTicket, RetentionDecision]]:
    out = []
    for row in rows:
        decision = decide_retention(policy, _candidate(row), now=now)
        if decision.expired:
            out.append((row, decision))
    return out


def _item(row: ClosedTicket, decision: RetentionDecision) -> RetentionItem:
    assert decision.expires_at is not None  # expired implies an expiry
    return RetentionItem(row.id, row.number, row.closed_at, decision.expires_at, decision.held)


def preview_retention(uow: UnitOfWork, clock: Clock, actor: Actor) -> RetentionPreview:
    """What :func:`purge_expired` would purge now, and what a legal hold keeps."""
    _require_admin(actor)
    now = clock.now()
    with uow.read_only():
        policy = _policy(uow)
        if policy is None:
            return RetentionPreview(now, None, (), ())
        rows = RetentionRepository(uow.db).closed_not_purged()
    expired = _decisions(policy, rows, now)
    items = [_item(row, d) for row, d in expired]
    later = [
        d.expires_at
        for row in rows
        if (d := decide_retention(policy, _candidate(row), now=now)).expires_at is not None
        and not d.expired
    ]
    return RetentionPreview(
        now,
        f"{policy.name} {policy.version}",
        tuple(i for i in items if not i.held),
        tuple(i for i in items if i.held),
        min(later, default=None),
        policy.retention_months,
        policy.retention_months is not None
        or any(p.retention_months is not None for p in policy.plans.values()),
    )


def purge_expired(uow: UnitOfWork, clock: Clock, actor: Actor, *, limit: int = 100) -> PurgeRun:
    """Purge up to ``limit`` expired tickets not under a legal hold, in one transaction."""
    _require_admin(actor)
    if limit < 1:
        raise InvalidRequest("limit must be at least 1", field="limit")
    now = clock.now()
    files: list[str] = []
    purged: list[PurgeRecord] = []
    with uow:
        policy = _policy(uow)
        if policy is None:
            return PurgeRun(now, (), 0, 0)
        repo = RetentionRepository(uow.db)
        expired = _decisions(policy, repo.closed_not_purged(), now)
        due = [(row, d) for row, d in expired if purgeable(d)]
        held = len(expired) - len(due)
        for row, decision in due[:limit]:
            # re-checked under the row lock: a hold set or a purge run since the read wins
            if repo.lock_ticket(row.id) != "closed" or repo.is_held(row.id):
                held += 1
                continue
            if repo.purged(row.id):
                continue
            counts, paths = repo.delete_content(row.id)
            files.extend(paths)
            assert decision.expires_at is not None
            record = PurgeRecord(
                ticket_id=row.id, ticket_number=row.number, purged_at=now, actor=actor.key,
                policy=f"{policy.name} {policy.version}", closed_at=row.closed_at,
                expired_at=decision.expires_at, counts=counts,
            )  # fmt: skip
            repo.record_purge(record, row.organization_id)
            purged.append(record)
        uow.commit()
    for path in files:  # after the commit: a rolled-back purge must not lose a file
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
    return PurgeRun(now, tuple(purged), held, max(0, len(due) - limit))


def list_purges(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, limit: int = 100
) -> list[PurgeRecord]:
    _require_admin(actor)
    with uow.read_only():
        return RetentionRepository(uow.db).purges(limit=limit)


def _subject(
    repo: RetentionRepository, ticket_number: int | None, organization: str | None
) -> tuple[int | None, int | None]:
    if (ticket_number is None) == (organization is None):
        raise InvalidRequest(
            "give exactly one of a ticket number or an organisation", field="ticket"
        )
    if ticket_number is not None:
        ticket_id = repo.ticket_id_by_number(ticket_number)
        if ticket_id is None:
            raise NotFound("ticket", ticket_number)
        return ticket_id, None
    assert organization is not None
    org_id = repo.organization_id_by_slug(organization)
    if org_id is None:
        raise NotFound("organization", organization)
    return None, org_id


def set_legal_hold(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    reason: str,
    ticket_number: int | None = None,
    organization: str | None = None,
) -> HoldRow:
    """Hold one ticket (by number) or every ticket of one organisation (by slug): the purge
    leaves them alone until the hold is cleared."""
    _require_admin(actor)
    if not reason.strip():
        raise InvalidRequest("a legal hold needs a reason", field="reason")
    if len(reason) > 500:
        raise InvalidRequest("the reason is longer than 500 characters", field="reason")
    now = clock.now()
    with uow:
        repo = RetentionRepository(uow.db)
        ticket_id, org_id = _subject(repo, ticket_number, organization)
        hold_id = repo.add_hold(ticket_id=ticket_id, organization_id=org_id,
                                reason=reason.strip(), set_by=actor.key, set_at=now)  # fmt: skip
        data = {"hold": hold_id, "organization_id": org_id}
        uow.audit.add(now, actor.key, "sladesk.retention.hold.set", data, ticket_id=ticket_id)
        (hold,) = [h for h in repo.holds() if h.id == hold_id]
        uow.commit()
    return hold


def clear_legal_hold(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    ticket_number: int | None = None,
    organization: str | None = None,
) -> int:
    """Remove the holds on that ticket or organisation; how many there were (NotFound if
    none)."""
    _require_admin(actor)
    now = clock.now()
    with uow:
        repo = RetentionRepository(uow.db)
        ticket_id, org_id = _subject(repo, ticket_number, organization)
        ids = repo.remove_holds(ticket_id=ticket_id, organization_id=org_id)
        if not ids:
            raise NotFound(
                "legal hold", ticket_number if ticket_number is not None else organization
            )
        uow.audit.add(now, actor.key, "sladesk.retention.hold.cleared",
                      {"holds": ids, "organization_id": org_id}, ticket_id=ticket_id)  # fmt: skip
        uow.commit()
    return len(ids)


def list_legal_holds(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[HoldRow]:
    _require_admin(actor)
    with uow.read_only():
        return RetentionRepository(uow.db).holds()
