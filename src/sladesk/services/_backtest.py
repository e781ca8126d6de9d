"""Back-testing a draft policy on the stored tickets: what would the draft have changed?

Every stored ticket (created in the period, when one is given) is replayed twice from its
recorded SLA history at the same ``now``: under the policy version it is bound to (the one
in force for it) and under the draft. Both answers are compared target by target
(:mod:`sladesk.sla` ``decisions`` and ``tally_ticket``, compiled: plain values, no
object per target) and tallied per group; the tickets whose outcome flips
(met ↔ breached...) or whose deadline moves by more than a threshold are listed, each
explainable with ``sladesk policy explain --ticket N --policy DRAFT.yaml``.

It reads in keyset pages of ``batch`` tickets, each with its packed SLA history and recorded
projections (one query per page, ``TicketGateway.replay_page``) inside
one read-only transaction, so memory stays bounded whatever the count: the groups are as
many as the ``by`` values make, and the listed changes stop at ``max_listed`` (the totals go
on counting).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sladesk.errors import SladeskError
from sladesk.policy import Policy, load_policy
from sladesk.services._roles import require_role
from sladesk.services.clock import Clock
from sladesk.sla import (
    COUNTERS,
    Decisions,
    Evaluation,
    GroupKey,
    decisions,
    evaluate,
    recorded_decisions,
    tally_ticket,
)
from sladesk.store import ReplaySource, UnitOfWork
from sladesk.tickets import Actor, InvalidRequest, Role, Scope

#: the dimensions a back-test can be grouped by (the metric always is)
BACKTEST_DIMENSIONS: tuple[str, ...] = (
    "priority", "type", "channel", "organization", "plan", "team", "month",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BacktestSide:
    """One policy's counters for a group and metric, and its compliance."""

    counts: dict[str, int]
    compliance: float | None


@dataclass(frozen=True, slots=True)
class BacktestGroup:
    group: dict[str, str]
    metric: str
    current: BacktestSide
    draft: BacktestSide
    added: int  # targets only the draft gives
    removed: int  # targets only the policy in force gives
    flipped: int
    shifted: int


@dataclass(frozen=True, slots=True)
class BacktestChange:
    """One target of one ticket whose outcome the draft changes."""

    ticket_id: int
    number: int
    metric: str
    kind: str  # "flip" | "shift"
    current_state: str
    draft_state: str
    current_due_at: datetime | None
    draft_due_at: datetime | None

    @property
    def shift(self) -> timedelta | None:
        if self.current_due_at is None or self.draft_due_at is None:
            return None
        return self.draft_due_at - self.current_due_at


@dataclass(frozen=True, slots=True)
class BacktestVersion:
    """A policy version that was in force for some of the replayed tickets."""

    id: int | None  # None: tickets bound to no policy
    name: str
    version: str
    tickets: int


@dataclass(frozen=True, slots=True)
class BacktestReport:
    draft_name: str
    draft_version: str
    since: datetime | None
    until: datetime | None
    now: datetime
    by: tuple[str, ...]
    threshold: timedelta
    tickets: int  # replayed under both
    skipped: dict[str, int]  # why a ticket could not be replayed -> how many
    versions: tuple[BacktestVersion, ...]
    groups: tuple[BacktestGroup, ...]
    flipped: tuple[BacktestChange, ...]  # up to max_listed
    shifted: tuple[BacktestChange, ...]  # up to max_listed
    flipped_total: int
    shifted_total: int


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

Progress = Callable[[int, int], None]  # (tickets done, tickets in all)


def backtest_policy(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    draft_text: str,
    *,
    source: str = "<draft>",
    since: datetime | None = None,
    until: datetime | None = None,
    by: Sequence[str] = (),
    threshold: timedelta = timedelta(hours=1),
    batch: int = 2000,
    max_listed: int = 10_000,
    reevaluate: bool = False,
    progress: Progress | None = None,
) -> BacktestReport:
    """Replay the stored tickets under ``draft_text`` and compare with the versions in force
    (see the module docstring). Raises PolicyError (every problem located) for a draft that
    is not a valid policy, InvalidRequest for an unknown ``by`` dimension or an empty period.

    The version in force's outcomes are, by default, the ones the desk recorded: the stored
    SLA projections (every write and the sweep keep them current; a running target past its
    deadline counts as breached, as in the compliance report), so each ticket is evaluated
    once, under the draft. ``reevaluate`` replays the version in force from the history as
    well (twice the evaluation); a ticket without projections (imported) always is."""
    require_role(actor, Role.LEAD, "back-test policies")
    unknown = [d for d in by if d not in BACKTEST_DIMENSIONS]
    if unknown:
        raise InvalidRequest(
            f"cannot group by {', '.join(unknown)}: choose among {', '.join(BACKTEST_DIMENSIONS)}",
            field="by",
        )
    if since is not None and until is not None and until <= since:
        raise InvalidRequest("the period must end after it starts", field="until")
    draft = load_policy(draft_text, source)  # raises PolicyError
    now = clock.now()
    dims = tuple(dict.fromkeys(by))
    run = _Run(draft, now, dims, threshold, max_listed, reevaluate)
    everything = Scope.all_organizations()
    with uow.read_only():
        total = uow.gateway.count_in(everything, since, until)
        if progress is not None:
            progress(0, total)
        after = 0
        while True:
            page = uow.gateway.replay_page(
                everything, after_id=after, limit=batch, created_from=since, created_to=until
            )
            if not page:
                break
            for ticket in page:
                run.replay(ticket, uow.policies.parsed(ticket.policy_version_id),
                           None if reevaluate else ticket.projected)  # fmt: skip
            after = page[-1].id
            if progress is not None:
                progress(run.seen, total)
        versions = tuple(run.versions(uow))
    return run.report(since, until, versions)


class _Run:
    """The state of one back-test while it streams."""

    def __init__(
        self,
        draft: Policy,
        now: datetime,
        by: tuple[str, ...],
        threshold: timedelta,
        max_listed: int,
        reevaluate: bool,
    ) -> None:
        self.draft, self.now, self.by = draft, now, by
        self.threshold, self.max_listed, self.reevaluate = threshold, max_listed, reevaluate
        self.now_us = (now - _EPOCH) // _US
        self.threshold_us = threshold // _US
        #: (group, metric) -> the counters of both sides and the changes (``tally_ticket``)
        self.groups: dict[tuple[GroupKey, str], list[int]] = {}
        self.seen = 0
        self.replayed = 0
        self.skipped: Counter[str] = Counter()
        self.by_version: Counter[int | None] = Counter()
        self.flipped: list[BacktestChange] = []
        self.shifted: list[BacktestChange] = []
        self.totals = {"flip": 0, "shift": 0}

    def replay(self, ticket: ReplaySource, policy: Policy | None, projected: str | None) -> None:
        self.seen += 1
        if ticket.facts is None:
            self.skipped["its stored facts cannot be read"] += 1
            return
        try:
            if projected is not None and policy is not None and not ticket.community_answered:
                before = recorded_decisions(projected, self.now_us)
            else:
                before = self._decide(policy, ticket)
            after = self._decide(self.draft, ticket)
        except SladeskError as exc:
            self.skipped[f"{type(exc).__name__}: {exc}"[:200]] += 1
            return
        self.replayed += 1
        self.by_version[ticket.policy_version_id] += 1
        changes = tally_ticket(self.groups, self._group(ticket), before, after, self.threshold_us)
        for metric, kind, current, draft, current_due, draft_due in changes:
            self.totals[kind] += 1
            listed = self.flipped if kind == "flip" else self.shifted
            if len(listed) < self.max_listed:
                listed.append(
                    BacktestChange(
                        ticket.id,
                        ticket.number,
                        metric,
                        kind,
                        current.value,
                        draft.value,
                        None if current_due is None else _EPOCH + _US * current_due,
                        None if draft_due is None else _EPOCH + _US * draft_due,
                    )  # fmt: skip
                )

    def _decide(self, policy: Policy | None, ticket: ReplaySource) -> Decisions:
        if policy is None or ticket.community_answered or ticket.facts is None:
            return {}
        return decisions(policy, ticket.facts, ticket.history, self.now)

    def _group(self, ticket: ReplaySource) -> GroupKey:
        if not self.by:
            return ()
        return tuple((d, _dimension(ticket, d)) for d in self.by)

    def versions(self, uow: UnitOfWork) -> list[BacktestVersion]:
        out = []
        for version_id, count in sorted(self.by_version.items(), key=lambda kv: kv[0] or 0):
            policy = uow.policies.parsed(version_id)
            name, version = (policy.name, policy.version) if policy else ("(no policy)", "-")
            out.append(BacktestVersion(version_id, name, version, count))
        return out

    def report(
        self, since: datetime | None, until: datetime | None, versions: tuple[BacktestVersion, ...]
    ) -> BacktestReport:
        groups = []
        for (group, metric), counts in sorted(self.groups.items()):
            groups.append(
                BacktestGroup(
                    group=dict(group),
                    metric=metric,
                    current=_side(counts[:6]),
                    draft=_side(counts[6:12]),
                    added=counts[12],
                    removed=counts[13],
                    flipped=counts[14],
                    shifted=counts[15],
                )  # fmt: skip
            )
        return BacktestReport(
            draft_name=self.draft.name, draft_version=self.draft.version, since=since,
            until=until, now=self.now, by=self.by, threshold=self.threshold,
            tickets=self.replayed, skipped=dict(self.skipped), versions=versions,
            groups=tuple(groups), flipped=tuple(self.flipped), shifted=tuple(self.shifted),
            flipped_total=self.totals["flip"], shifted_total=self.totals["shift"],
        )  # fmt: skip


def _dimension(ticket: ReplaySource, name: str) -> str:
    """The value of one ``by`` dimension for a ticket (only those asked are computed)."""
    facts = ticket.facts
    if name == "priority":
        return ticket.priority
    if name == "type":
        return ticket.type
    if name == "channel":
        return ticket.channel
    if name == "organization":
        return (facts.organization if facts else None) or "-"
    if name == "plan":
        return (facts.plan if facts else None) or "-"
    if name == "team":
        return ticket.team or "-"
    return ticket.created_at.strftime("%Y-%m")  # month


def _side(counts: list[int]) -> BacktestSide:
    """One side's counters (``COUNTERS`` order) and its compliance: met / decided."""
    decided = counts[1] + counts[2]
    return BacktestSide(dict(zip(COUNTERS, counts, strict=True)),
                        counts[1] / decided if decided else None)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReplayedTicket:
    """One stored ticket replayed under a policy, with its explain timeline."""

    ticket_id: int
    number: int
    policy: Policy | None  # None: the ticket is bound to no policy and none was given
    evaluation: Evaluation | None  # None: no SLA (no policy, or the community answered)
    now: datetime


def replay_ticket(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    policy_text: str | None = None,
    *,
    source: str = "<draft>",
) -> ReplayedTicket:
    """The ticket's recorded history evaluated at ``now`` with its explain timeline: under
    ``policy_text`` when given (a draft: what a back-test compares), else under the version
    it is bound to. Staff only (the ticket's internal history is read)."""
    require_role(actor, Role.AGENT, "replay tickets")
    policy = load_policy(policy_text, source) if policy_text is not None else None
    now = clock.now()
    with uow.read_only():
        ticket = uow.gateway.load(ticket_id, actor.scope)
        history = uow.gateway.sla_history(ticket.id)
        if policy is None:
            policy = uow.policies.parsed(ticket.policy_version_id)
    evaluation = None
    if policy is not None and not ticket.community_answered and ticket.facts is not None:
        evaluation = evaluate(policy, ticket.facts, history, now, explain=True)
    return ReplayedTicket(ticket.id, ticket.number, policy, evaluation, now)
