"""Policy versions: check a file without publishing it; publish one (validated by
``sladesk.policy.load_policy``, stored as written, current at once), which re-evaluates every
ticket whose clocks may still move, in the same transaction. Publishing the text already in
force does nothing and says so (``unchanged``)."""

from __future__ import annotations

from sladesk.errors import LimitError, PolicyError
from sladesk.policy import Policy, load_policy
from sladesk.policy import validate_policy as check_policy_text
from sladesk.services._dtos import PolicyCheck, PolicyVersionView
from sladesk.services._outbox import DEFAULT_ENDPOINT
from sladesk.services._roles import require_role
from sladesk.services._ticket_sla import evaluate_ticket
from sladesk.services.clock import Clock
from sladesk.store import PolicyVersion, ReportChunkRepository, TicketChange, UnitOfWork
from sladesk.tickets import Actor, Conflict, Forbidden, Role, Scope, subscription_problems

_MOVING = ("new", "open", "pending_customer", "on_hold")


def validate_policy(
    uow: UnitOfWork, clock: Clock, actor: Actor, text: str, *, source: str = "<submitted>"
) -> PolicyCheck:
    """Every problem of a policy file, without publishing it (staff only)."""
    if not actor.is_staff:
        raise Forbidden("only support staff can check policies")
    errors = check_policy_text(text, source)
    if any(isinstance(e, LimitError) for e in errors):
        raise PolicyError(errors)  # refused unread (too large, aliases): not a policy to check
    if errors:
        return PolicyCheck(valid=False, errors=tuple(errors))
    policy = load_policy(text, source)
    return PolicyCheck(valid=True, errors=(), name=policy.name, version=policy.version)


def publish_policy(
    uow: UnitOfWork, clock: Clock, actor: Actor, text: str, *, source: str = "<published>"
) -> PolicyVersionView:
    """Make ``text`` the current policy, effective now. Raises :class:`PolicyError` (with
    every problem located) when it is not valid; then nothing changes. When ``text`` is,
    character for character, the current version's, nothing changes either: the answer is
    that version with ``unchanged`` set."""
    require_role(actor, Role.ADMIN, "publish policies")
    now = clock.now()
    policy = load_policy(text, source)  # raises PolicyError
    with uow:
        current = uow.policies.current(for_update=True)  # serialises concurrent publishers
        if current is not None and current.text == text:
            return policy_view(current, unchanged=True)  # no version, no re-evaluation
        _check_organizations_fit(uow, policy)
        row = uow.policies.add_current(
            PolicyVersion(
                name=policy.name, version=policy.version, text=text, effective_from=now,
                published_by=actor.key, current=True,
            )
        )  # fmt: skip
        uow.caches.keep_policy(row.id, policy)
        count = 0
        everything = Scope.all_organizations()
        for ticket in uow.gateway.find(everything, status=_MOVING, limit=10**9):
            history = uow.gateway.sla_history(ticket.id)
            evaluation = evaluate_ticket(uow, ticket, history, now, policy_version_id=row.id)
            uow.gateway.apply(ticket, TicketChange(now, actor.key, evaluation,
                                                   policy_version_id=row.id))  # fmt: skip
            count += 1
        if count:  # re-evaluated without history events: the report's chunks cannot tell
            ReportChunkRepository(uow.db).drop_all()
        uow.audit.add(now, actor.key, "sladesk.policy.published",
                      {"id": row.id, "name": policy.name, "version": policy.version,
                       "reevaluated": count})  # fmt: skip
        body = {
            "event": "policy.published",
            "at": now.isoformat(),
            "actor": actor.key,
            "policy": {"id": row.id, "name": policy.name, "version": policy.version},
        }
        uow.outbox.add("webhook", f"webhook:policy.published:{row.id}",
                       {"endpoint": DEFAULT_ENDPOINT, "body": body}, now)  # fmt: skip
        view = policy_view(row, reevaluated=count)
        uow.commit()
    return view


def _check_organizations_fit(uow: UnitOfWork, policy: Policy) -> None:
    """A version that drops (or stops allowing) a plan or add-on some organisation holds is
    refused: move those organisations first (docs/policies.md, "Plans across versions")."""
    misfits = [
        f"{org.slug}: {message}"
        for org in uow.people.organizations(Scope.all_organizations())
        for _, message in subscription_problems(policy, org.plan, tuple(org.addons or ()))
    ]
    if misfits:
        shown = "; ".join(misfits[:10]) + (
            f"; and {len(misfits) - 10} more" if len(misfits) > 10 else ""
        )
        raise Conflict(
            f"organisations hold plans or add-ons this version does not allow, so it was not "
            f"published; change them first: {shown}",
            field="plans",
        )


def get_current_policy(uow: UnitOfWork, clock: Clock, actor: Actor) -> PolicyVersionView | None:
    with uow.read_only():
        row = uow.policies.current()
        return policy_view(row) if row is not None else None


def list_policy_versions(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[PolicyVersionView]:
    if not actor.is_staff:
        raise Forbidden("only support staff can list policy versions")
    with uow.read_only():
        return [policy_view(r) for r in uow.policies.versions()]


def policy_view(
    row: PolicyVersion, *, reevaluated: int = 0, unchanged: bool = False
) -> PolicyVersionView:
    return PolicyVersionView(
        id=row.id, name=row.name, version=row.version, effective_from=row.effective_from,
        published_by=row.published_by, current=row.current, text=row.text,
        reevaluated_tickets=reevaluated, unchanged=unchanged,
    )  # fmt: skip


__all__ = [
    "PolicyError",
    "get_current_policy",
    "list_policy_versions",
    "publish_policy",
    "validate_policy",
]
