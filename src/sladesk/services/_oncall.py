"""On-call roster use cases: who is on call, the roster over a window, and its admin (the
members of each shift, overrides).

The rotation's shape is the published policy's ``on_call`` section; the members and the
overrides are rows admins keep. Who is on call at an instant is the core's pure
``sladesk.calendar.on_call_at`` over both (``now`` read once here, or given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sladesk.calendar import Override, Rotation, on_call_at, roster_between
from sladesk.policy import OnCallPolicy, Policy
from sladesk.services.clock import Clock
from sladesk.store import OnCallRepository, OverrideRow, UnitOfWork
from sladesk.tickets import Actor, Forbidden, InvalidRequest, NotFound

__all__ = [
    "OnCallPerson",
    "OnCallRoster",
    "OverrideView",
    "RosterEntry",
    "RosterMember",
    "add_on_call_override",
    "get_on_call_roster",
    "on_call_inputs",
    "remove_on_call_override",
    "set_on_call_members",
    "who_is_on_call",
]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: the longest window ``get_on_call_roster`` lists
MAX_DAYS = 92


@dataclass(frozen=True, slots=True)
class OnCallPerson:
    """Who is on call at ``at``: the agent (None: the shift has no members), their shift,
    and ``source``: ``rotation``, ``override`` or ``nobody``."""

    at: datetime
    agent_id: int | None
    name: str | None
    email: str | None
    shift: str
    source: str


@dataclass(frozen=True, slots=True)
class RosterMember:
    shift: str
    position: int
    agent_id: int
    name: str
    email: str
    active: bool


@dataclass(frozen=True, slots=True)
class OverrideView:
    id: int
    agent_id: int
    name: str
    shift: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RosterEntry:
    start: datetime
    end: datetime
    agent_id: int | None
    name: str | None
    shift: str
    source: str


@dataclass(frozen=True, slots=True)
class OnCallRoster:
    policy: str  # "name version"
    rotation: str  # weekly | follow_the_sun
    timezone: str
    handoff: str  # "mon 09:00"
    repage_after_minutes: float
    phone: str | None
    shifts: tuple[tuple[str, str | None], ...]  # (name, calendar name)
    members: tuple[RosterMember, ...]
    overrides: tuple[OverrideView, ...]  # those not yet over
    now: OnCallPerson
    entries: tuple[RosterEntry, ...]  # who is on call from ``now`` over the window


def _staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden("only support staff can see the on-call roster")


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins can change the on-call roster")


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequest(f"{field} needs a time zone (e.g. 2026-03-29T02:00:00+01:00)",
                             field=field)  # fmt: skip
    return value


def on_call_policy(uow: UnitOfWork) -> tuple[Policy, OnCallPolicy]:
    """The published policy and its on-call section; InvalidRequest when there is none."""
    row = uow.policies.current()
    policy = uow.policies.parsed(row.id) if row is not None else None
    if policy is None or policy.on_call is None:
        raise InvalidRequest(
            "the published policy has no on_call section: declare the rotation there "
            "(docs/policies.md, 'On call')",
            field="on_call",
        )
    return policy, policy.on_call


def on_call_inputs(
    uow: UnitOfWork, *, ending_after: datetime | None = None
) -> tuple[dict[str, list[int]], list[Override], dict[int, tuple[str, str]]]:
    """The members of each shift (active agents, in turn order), the overrides (oldest
    first), and every agent's (name, email) the roster names."""
    repo = OnCallRepository(uow.db)
    members: dict[str, list[int]] = {}
    people: dict[int, tuple[str, str]] = {}
    for m in repo.members():
        people[m.agent_id] = (m.name, m.email)
        if m.active:
            members.setdefault(m.shift, []).append(m.agent_id)
    rows = repo.overrides(ending_after=ending_after)
    overrides = [Override(o.agent_id, o.starts_at, o.ends_at, o.shift, o.id) for o in rows]
    for o in rows:
        if o.agent_id not in people:
            agent = uow.people.agent(o.agent_id)
            people[o.agent_id] = (agent.name, agent.email)
    return members, overrides, people


def _person(at: datetime, rotation: Rotation, uow: UnitOfWork) -> OnCallPerson:
    members, overrides, people = on_call_inputs(uow)
    who = on_call_at(rotation, members, overrides, at)
    name, email = people.get(who.person, (None, None)) if who.person is not None else (None, None)
    return OnCallPerson(at, who.person, name, email, who.shift, who.source)


def who_is_on_call(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, at: datetime | None = None
) -> OnCallPerson:
    """Who is on call at ``at`` (default: now)."""
    _staff(actor)
    when = _aware(at, "at") if at is not None else clock.now()
    with uow.read_only():
        _, oncall = on_call_policy(uow)
        return _person(when, oncall.rotation, uow)


def get_on_call_roster(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, start: datetime | None = None, days: int = 14
) -> OnCallRoster:
    """The rotation, its members and overrides, who is on call at ``start`` (default: now)
    and who will be over the next ``days`` days."""
    _staff(actor)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidRequest(f"days must be between 1 and {MAX_DAYS}", field="days")
    when = _aware(start, "start") if start is not None else clock.now()
    with uow.read_only():
        policy, oncall = on_call_policy(uow)
        rot = oncall.rotation
        members, overrides, people = on_call_inputs(uow)
        repo = OnCallRepository(uow.db)
        member_rows = repo.members()
        override_rows = repo.overrides(ending_after=when)
        now = _person(when, rot, uow)
    segments = roster_between(rot, members, overrides, when, when + timedelta(days=days))

    def name(agent_id: int | None) -> str | None:
        return people[agent_id][0] if agent_id is not None and agent_id in people else None

    return OnCallRoster(
        policy=f"{policy.name} {policy.version}", rotation=rot.kind, timezone=rot.timezone.key,
        handoff=f"{_DAYS[rot.handoff_weekday]} {rot.handoff_time:%H:%M}",
        repage_after_minutes=rot.repage_after.total_seconds() / 60, phone=oncall.phone,
        shifts=tuple((s.name, s.calendar_name) for s in rot.shifts),
        members=tuple(RosterMember(m.shift, m.position, m.agent_id, m.name, m.email, m.active)
                      for m in member_rows),
        overrides=tuple(_override_view(o, name(o.agent_id) or "") for o in override_rows),
        now=now,
        entries=tuple(RosterEntry(s.start, s.end, s.person, name(s.person), s.shift, s.source)
                      for s in segments),
    )  # fmt: skip


def _override_view(o: OverrideRow, name: str) -> OverrideView:
    return OverrideView(o.id, o.agent_id, name, o.shift, o.starts_at, o.ends_at, o.reason,
                        o.created_by, o.created_at)  # fmt: skip


def _active_agent(uow: UnitOfWork, agent_id: int, field: str) -> tuple[str, str]:
    try:
        agent = uow.people.agent(agent_id)
    except NotFound:
        raise InvalidRequest(f"no agent {agent_id}", field=field) from None
    if not agent.active:
        raise InvalidRequest(f"agent {agent_id} is not active", field=field)
    return agent.name, agent.email


def set_on_call_members(
    uow: UnitOfWork, clock: Clock, actor: Actor, shift: str, agent_ids: Sequence[int]
) -> tuple[RosterMember, ...]:
    """Replace the people of ``shift`` (``primary`` for a weekly rotation), in turn order."""
    _admin(actor)
    now = clock.now()
    with uow:
        _, oncall = on_call_policy(uow)
        names = oncall.rotation.shift_names()
        if shift not in names:
            raise InvalidRequest(f"unknown shift {shift!r} (the rotation's: {', '.join(names)})",
                                 field="shift")  # fmt: skip
        if len(set(agent_ids)) != len(agent_ids):
            raise InvalidRequest("an agent is listed twice", field="agent_ids")
        for i, agent_id in enumerate(agent_ids):
            _active_agent(uow, agent_id, f"agent_ids[{i}]")
        repo = OnCallRepository(uow.db)
        repo.set_members(shift, list(agent_ids))
        uow.audit.add(now, actor.key, "sladesk.oncall.members_set",
                      {"shift": shift, "agent_ids": list(agent_ids)})  # fmt: skip
        rows = repo.members()
        uow.commit()
    return tuple(RosterMember(m.shift, m.position, m.agent_id, m.name, m.email, m.active)
                 for m in rows if m.shift == shift)  # fmt: skip


def add_on_call_override(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    agent_id: int,
    starts_at: datetime,
    ends_at: datetime,
    shift: str | None = None,
    reason: str = "",
) -> OverrideView:
    """``agent_id`` is on call in ``[starts_at, ends_at)`` (for ``shift`` only, or whatever
    shift is on duty); it wins over the rotation and over earlier overrides."""
    _admin(actor)
    _aware(starts_at, "starts_at")
    _aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise InvalidRequest("ends_at must be after starts_at", field="ends_at")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise InvalidRequest(f"an override lasts at most {MAX_DAYS} days", field="ends_at")
    if len(reason) > 500:
        raise InvalidRequest("the reason is at most 500 characters", field="reason")
    now = clock.now()
    with uow:
        _, oncall = on_call_policy(uow)
        names = oncall.rotation.shift_names()
        if shift is not None and shift not in names:
            raise InvalidRequest(f"unknown shift {shift!r} (the rotation's: {', '.join(names)})",
                                 field="shift")  # fmt: skip
        name, _ = _active_agent(uow, agent_id, "agent_id")
        repo = OnCallRepository(uow.db)
        new_id = repo.add_override(agent_id=agent_id, shift=shift, starts_at=starts_at,
                                   ends_at=ends_at, reason=reason.strip(), created_by=actor.key,
                                   created_at=now)  # fmt: skip
        data = {"id": new_id, "agent_id": agent_id, "shift": shift,
                "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}  # fmt: skip
        uow.audit.add(now, actor.key, "sladesk.oncall.override_added", data)
        uow.commit()
    return OverrideView(new_id, agent_id, name, shift, starts_at, ends_at, reason.strip(),
                        actor.key, now)  # fmt: skip


def remove_on_call_override(uow: UnitOfWork, clock: Clock, actor: Actor, override_id: int) -> None:
    _admin(actor)
    now = clock.now()
    with uow:
        if not OnCallRepository(uow.db).remove_override(override_id):
            raise NotFound("on-call override", override_id)
        uow.audit.add(now, actor.key, "sladesk.oncall.override_removed", {"id": override_id})
        uow.commit()
