"""The ``routing:`` and ``calls:`` sections of a policy file (LiveAgent VIP's dedicated agent).

``routing`` is an ordered list of rules; the first whose ``when`` holds (the same conditions
as the SLA rules) says who gets the ticket. ``calls`` says how calls with the dedicated agent
are booked and how often review calls are proposed. Both are read here, with every problem
reported at its place in the file like the rest of the policy.
"""

from __future__ import annotations

from datetime import timedelta

from sladesk.calendar import parse_duration
from sladesk.errors import SpecError
from sladesk.policy._model import CallPolicy, RoutingRule
from sladesk.policy._reader import Reader, known_list, suggestion
from sladesk.policy._rules import Names, read_when
from sladesk.yaml_source import Path, describe

__all__ = ["ROUTING_TRIGGERS", "read_calls", "read_routing"]

ROUTING_KEYS = ("name", "when", "to", "backup", "on")
ROUTING_TRIGGERS = ("created", "escalated")
CALL_KEYS = (
    "calendar",
    "length",
    "notice",
    "horizon_days",
    "addon",
    "review_every_months",
    "review_length",
    "review_lead_days",
)
_TO_FORMS = "dedicated_agent, agent:<email> or team:<team>"
_BACKUP_FORMS = "backup_agent, agent:<email> or team:<team>"


def _target_problem(to: str, symbolic: str, forms: str) -> str | None:
    kind, _, rest = to.partition(":")
    if to == symbolic or (kind == "team" and rest.strip()) or (kind == "agent" and "@" in rest):
        return None
    return f"cannot route to {to!r} (use {forms})"


def read_routing(r: Reader, value: object, names: Names) -> tuple[RoutingRule, ...]:
    """``routing:``: a list of ``{name, when, to, backup, on}``."""
    if value is None:
        return ()
    path: Path = ("routing",)
    if not isinstance(value, list):
        r.error(path, f"expected a list of routing rules, got {describe(value)}")
        return ()
    out: list[RoutingRule] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        ipath: Path = (*path, i)
        fields = r.mapping(ipath, item, allowed=ROUTING_KEYS, required=("name", "to"))
        if fields is None:
            continue
        name = (
            r.string((*ipath, "name"), fields["name"], what="a rule name")
            if "name" in fields
            else None
        )
        if name is not None and name in seen:
            r.error((*ipath, "name"), f"routing rule {name!r} is defined twice")
        seen.add(name or "")
        when = read_when(r, (*ipath, "when"), fields.get("when"), names)
        to = (
            r.string((*ipath, "to"), fields["to"], what="whom to route to")
            if "to" in fields
            else None
        )
        if to is not None and (problem := _target_problem(to, "dedicated_agent", _TO_FORMS)):
            r.error((*ipath, "to"), problem)
            to = None
        backup = None
        if fields.get("backup") is not None:
            backup = r.string((*ipath, "backup"), fields["backup"], what="a backup")
            if backup is not None and (
                problem := _target_problem(backup, "backup_agent", _BACKUP_FORMS)
            ):
                r.error((*ipath, "backup"), problem)
                backup = None
            elif backup is not None and to is not None and to.startswith("team:"):
                r.error(
                    (*ipath, "backup"), "a team is never away: a backup needs `to` to be an agent"
                )
        on = frozenset(ROUTING_TRIGGERS)
        if "on" in fields:
            got = r.names((*ipath, "on"), fields["on"], kind="trigger", known=ROUTING_TRIGGERS)
            on = frozenset(got) if got is not None else on
        if name is not None and to is not None:
            out.append(RoutingRule(name, when, to, backup, on))
    return tuple(out)


def _time(r: Reader, path: Path, value: object) -> timedelta | None:
    try:
        d = parse_duration(value)
    except SpecError as exc:
        r.relocate(path, exc)
        return None
    if d.time is None:
        r.error(
            path, f"expected a length of time such as 30m or 1h, got {value!r} (not business days)"
        )
        return None
    return d.time


def read_calls(r: Reader, value: object, names: Names) -> CallPolicy | None:
    """``calls:``: how calls with the dedicated agent are booked, and review calls."""
    if value is None:
        return None
    path: Path = ("calls",)
    fields = r.mapping(path, value, allowed=CALL_KEYS, required=("calendar",))
    if fields is None or "calendar" not in fields:
        return None
    calendar = r.string((*path, "calendar"), fields["calendar"], what="a calendar name")
    known = names.calendars
    if calendar is not None and known is not None and calendar not in known:
        r.error(
            (*path, "calendar"),
            f"unknown calendar {calendar!r}{suggestion(calendar, known)} ({known_list(known)})",
        )
        calendar = None
    got = CallPolicy(calendar="")
    length, notice, review_length = got.length, got.notice, got.review_length
    if "length" in fields:
        length = _time(r, (*path, "length"), fields["length"]) or length
    if "notice" in fields:
        notice = _time(r, (*path, "notice"), fields["notice"]) or notice
    if "review_length" in fields:
        review_length = _time(r, (*path, "review_length"), fields["review_length"]) or review_length
    horizon = got.horizon_days
    if "horizon_days" in fields:
        horizon = r.integer((*path, "horizon_days"), fields["horizon_days"], minimum=1) or horizon
    lead = got.review_lead_days
    if "review_lead_days" in fields:
        lead = r.integer((*path, "review_lead_days"), fields["review_lead_days"], minimum=0) or 0
    every = None
    if fields.get("review_every_months") is not None:
        every = r.integer((*path, "review_every_months"), fields["review_every_months"], minimum=1)
    addons = None
    if "addon" in fields:
        names_got = r.names((*path, "addon"), fields["addon"], kind="add-on", known=names.addons)
        addons = frozenset(names_got) if names_got is not None else None
    if calendar is None:
        return None
    return CallPolicy(calendar, length, notice, horizon, addons, every, review_length, lead)
