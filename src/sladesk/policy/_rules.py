"""Reading the ``rules`` section: conditions, targets, warnings and escalation actions.

Rules refer to every other section (priorities, types, plans, add-ons, channels, calendars,
messages), so they are read last, against the names those sections defined. A section that
could not be read gives ``None`` names, and references to it are not checked, so one broken
section does not bury the file under follow-on errors. Rules covered by an earlier rule are
reported here too: they can never be chosen, which is always a mistake in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sladesk.calendar import Duration, parse_duration
from sladesk.errors import SpecError
from sladesk.policy._durations import parse_threshold
from sladesk.policy._match import covers
from sladesk.policy._model import (
    Action,
    Conditions,
    Fulfilment,
    Metric,
    PauseCondition,
    Rule,
    StartEvent,
    Status,
    Target,
    Threshold,
)
from sladesk.policy._reader import Reader, known_list, suggestion
from sladesk.yaml_source import Path, describe, format_path

RULE_KEYS = ("name", "description", "when", "calendar", "targets")
WHEN_KEYS = ("type", "priority", "plan", "addon", "channel", "organization", "tag", "attributes")
TARGET_KEYS = (
    "metric",
    "calendar",
    "durations",
    "duration",
    "start",
    "fulfilled_by",
    "pause_on",
    "warn",
    "on_warning",
    "on_breach",
)
ACTION_KINDS = ("notify", "page", "move_to_team", "set_priority", "tell_customer", "webhook")
PAUSING_STATUSES = (Status.PENDING_CUSTOMER, Status.ON_HOLD)
_NOTIFY_FORMS = "role:<role>, agent:<email>, team:<team>, assignee or dedicated_agent"
_ALLOWED_FULFILMENT: dict[Metric, tuple[Fulfilment, ...]] = {
    Metric.FIRST_RESPONSE: (Fulfilment.PUBLIC_REPLY, Fulfilment.ASSIGNMENT),
    Metric.NEXT_RESPONSE: (Fulfilment.PUBLIC_REPLY,),
    Metric.PERIODIC_UPDATE: (Fulfilment.PUBLIC_REPLY,),
    Metric.RESOLUTION: (Fulfilment.SOLVED,),
}


@dataclass(frozen=True, slots=True)
class Names:
    """The names each section defined; ``None`` when the section could not be read."""

    priorities: tuple[str, ...] | None
    types: tuple[str, ...] | None
    plans: tuple[str, ...] | None
    addons: tuple[str, ...] | None
    channels: tuple[str, ...] | None
    calendars: tuple[str, ...] | None
    messages: tuple[str, ...] | None


def read_rules(r: Reader, value: object, names: Names) -> tuple[Rule, ...]:
    path: Path = ("rules",)
    if not isinstance(value, list):
        r.error(path, f"expected a list of rules, got {describe(value)}")
        return ()
    if not value:
        r.error(path, "expected at least one rule (a policy without rules gives no SLA)")
        return ()
    rules: list[Rule] = []
    clean_when: list[Conditions | None] = []
    first_index: dict[str, int] = {}
    for i, item in enumerate(value):
        rule_path: Path = (*path, i)
        errors_before = len(r.errors)
        raw = r.mapping(rule_path, item, allowed=RULE_KEYS, required=("name", "targets"))
        if raw is None:
            clean_when.append(None)
            continue
        name = r.string((*rule_path, "name"), raw["name"]) if "name" in raw else None
        if name is not None:
            if name in first_index:
                r.error(
                    (*rule_path, "name"),
                    f"duplicate rule name {name!r}: rules[{first_index[name]}] has it too",
                )
            else:
                first_index[name] = i
        description = ""
        if "description" in raw:
            description = r.string((*rule_path, "description"), raw["description"]) or ""
        when_errors = len(r.errors)
        when = read_when(r, (*rule_path, "when"), raw.get("when"), names)
        clean_when.append(when if len(r.errors) == when_errors else None)
        calendar = None
        if "calendar" in raw:
            calendar = _calendar_name(r, (*rule_path, "calendar"), raw["calendar"], names)
        targets = _read_targets(
            r, (*rule_path, "targets"), raw.get("targets", []), calendar, "calendar" in raw, names
        )
        if len(r.errors) == errors_before and name is not None:
            rules.append(Rule(name, when, targets, description))
    _report_shadowed(r, value, clean_when)
    return tuple(rules)


def _report_shadowed(r: Reader, value: list[Any], whens: list[Conditions | None]) -> None:
    for j, later in enumerate(whens):
        if later is None:
            continue
        for i in range(j):
            earlier = whens[i]
            if earlier is not None and covers(earlier, later):
                item = value[j]
                at: Path = ("rules", j, "when") if "when" in item else ("rules", j)
                why = "" if _given(earlier) else " (it has no `when`)"
                r.error(
                    at,
                    f"rule {_rule_name(value[j], j)} is shadowed by rules[{i}] "
                    f"{_rule_name(value[i], i)}: that rule comes first and matches every ticket "
                    f"this one matches{why}, so this rule never applies",
                )
                break


def _given(when: Conditions) -> bool:
    return bool(when.attributes) or any(
        getattr(when, f) is not None
        for f in ("types", "priorities", "plans", "addons", "channels", "organizations", "tags")
    )


def _rule_name(item: object, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return repr(item["name"])
    return f"#{index}"


def read_when(r: Reader, path: Path, value: object, names: Names) -> Conditions:
    if value is None:
        return Conditions()
    raw = r.mapping(path, value, allowed=WHEN_KEYS, what="a mapping of conditions")
    if raw is None:
        return Conditions()

    def read(key: str, kind: str, known: tuple[str, ...] | None) -> frozenset[str] | None:
        if key not in raw:
            return None
        got = r.names((*path, key), raw[key], kind=kind, known=known)
        return frozenset(got) if got is not None else None

    attributes: dict[str, frozenset[str]] = {}
    if "attributes" in raw:
        attrs = r.keyed((*path, "attributes"), raw["attributes"], what="attribute to values")
        for attr, values in (attrs or {}).items():
            got = r.names((*path, "attributes", attr), values, kind="value")
            if got is not None:
                attributes[attr] = frozenset(got)
    return Conditions(
        types=read("type", "type", names.types),
        priorities=read("priority", "priority", names.priorities),
        plans=read("plan", "plan", names.plans),
        addons=read("addon", "add-on", names.addons),
        channels=read("channel", "channel", names.channels),
        organizations=read("organization", "organization", None),
        tags=read("tag", "tag", None),
        attributes=attributes,
    )


def _calendar_name(r: Reader, path: Path, value: object, names: Names) -> str | None:
    name = r.string(path, value, what="a calendar name")
    if name is None:
        return None
    known = names.calendars
    if known is not None and name not in known:
        r.error(path, f"unknown calendar {name!r}{suggestion(name, known)} ({known_list(known)})")
        return None
    return name


_E = TypeVar("_E", Metric, StartEvent, Fulfilment)


def _choice(r: Reader, path: Path, value: object, enum: type[_E], kind: str) -> _E | None:
    options = [e.value for e in enum]
    if isinstance(value, str) and value.strip() in options:
        return enum(value.strip())
    shown = repr(value.strip()) if isinstance(value, str) else describe(value)
    hint = suggestion(value, options) if isinstance(value, str) else ""
    r.error(path, f"unknown {kind} {shown}{hint} (known: {', '.join(options)})")
    return None


def _read_targets(
    r: Reader,
    path: Path,
    value: object,
    rule_calendar: str | None,
    rule_gives_calendar: bool,
    names: Names,
) -> tuple[Target, ...]:
    if not isinstance(value, list):
        r.error(path, f"expected a list of targets, got {describe(value)}")
        return ()
    targets: list[Target] = []
    metric_at: dict[Metric, int] = {}
    for i, item in enumerate(value):
        target = _read_target(r, (*path, i), item, rule_calendar, rule_gives_calendar, names)
        if target is None:
            continue
        if target.metric in metric_at:
            r.error(
                (*path, i, "metric"),
                f"metric {target.metric.value} is already given by "
                f"{format_path((*path, metric_at[target.metric]))}",
            )
            continue
        metric_at[target.metric] = i
        targets.append(target)
    return tuple(targets)


def _read_target(
    r: Reader,
    path: Path,
    value: object,
    rule_calendar: str | None,
    rule_gives_calendar: bool,
    names: Names,
) -> Target | None:
    before = len(r.errors)
    raw = r.mapping(path, value, allowed=TARGET_KEYS, required=("metric",), what="a target")
    if raw is None:
        return None
    metric = None
    if "metric" in raw:
        metric = _choice(r, (*path, "metric"), raw["metric"], Metric, "metric")
    calendar = rule_calendar
    if "calendar" in raw:
        calendar = _calendar_name(r, (*path, "calendar"), raw["calendar"], names)
    elif not rule_gives_calendar:
        r.error(
            (*path, "calendar"), "missing required key 'calendar' (give it here or on the rule)"
        )
    durations = _read_durations(r, path, raw, names)
    start = StartEvent.CREATED
    if "start" in raw:
        start = _choice(r, (*path, "start"), raw["start"], StartEvent, "start event") or start
    fulfilled_by = _read_fulfilment(r, path, raw, metric)
    pause_on = _read_pause(r, (*path, "pause_on"), raw["pause_on"]) if "pause_on" in raw else ()
    warn = _read_warn(r, (*path, "warn"), raw["warn"], durations) if "warn" in raw else ()
    on_warning = _read_actions(r, (*path, "on_warning"), raw.get("on_warning"), names)
    on_breach = _read_actions(r, (*path, "on_breach"), raw.get("on_breach"), names)
    if len(r.errors) != before or metric is None or calendar is None:
        return None
    return Target(
        metric=metric,
        calendar=calendar,
        durations=durations,
        start=start,
        fulfilled_by=fulfilled_by,
        pause_on=pause_on,
        warn=warn,
        on_warning=on_warning,
        on_breach=on_breach,
    )


def _duration(r: Reader, path: Path, value: object) -> Duration | None:
    try:
        return parse_duration(value)
    except SpecError as exc:
        r.relocate(path, exc)
        return None


def _read_durations(
    r: Reader, path: Path, raw: dict[str, Any], names: Names
) -> dict[str, Duration]:
    if "durations" in raw and "duration" in raw:
        r.error(
            (*path, "duration"),
            "give either `duration` (one for every priority) or `durations` (per priority), "
            "not both",
        )
        return {}
    if "duration" in raw:
        one = _duration(r, (*path, "duration"), raw["duration"])
        if one is None or names.priorities is None:
            return {}
        return dict.fromkeys(names.priorities, one)
    if "durations" not in raw:
        r.error(
            (*path, "durations"),
            "missing required key 'durations' (priority -> duration) or 'duration' (one for all)",
        )
        return {}
    dpath: Path = (*path, "durations")
    value = raw["durations"]
    if not isinstance(value, dict):
        r.error(dpath, f"expected a mapping of priority to duration, got {describe(value)}")
        return {}
    known = names.priorities
    found: dict[str, Duration] = {}
    for key, item in value.items():
        if known is not None and key not in known:
            r.error(
                (*dpath, key),
                f"unknown priority {key!r}{suggestion(key, known)} ({known_list(known)})",
            )
            continue
        if item is None:
            continue  # written out as "not defined": no target for this priority
        got = _duration(r, (*dpath, key), item)
        if got is not None:
            found[key] = got
    if not value:
        r.error(dpath, "expected at least one priority's duration")
    order = known or tuple(found)
    return {p: found[p] for p in order if p in found}


def _read_fulfilment(
    r: Reader, path: Path, raw: dict[str, Any], metric: Metric | None
) -> Fulfilment:
    default = Fulfilment.SOLVED if metric is Metric.RESOLUTION else Fulfilment.PUBLIC_REPLY
    if "fulfilled_by" not in raw:
        return default
    fpath: Path = (*path, "fulfilled_by")
    chosen = _choice(r, fpath, raw["fulfilled_by"], Fulfilment, "fulfilment")
    if chosen is None or metric is None:
        return default
    allowed = _ALLOWED_FULFILMENT[metric]
    if chosen not in allowed:
        if chosen is Fulfilment.ASSIGNMENT:
            reason = "is only allowed on first_response"
        elif chosen is Fulfilment.SOLVED:
            reason = "is only allowed on resolution"
        else:
            reason = "does not apply: a resolution target is fulfilled when the ticket is solved"
        r.error(
            fpath,
            f"{chosen.value!r} {reason}, not on {metric.value} "
            f"(allowed here: {', '.join(a.value for a in allowed)})",
        )
        return default
    return chosen


def _read_pause(r: Reader, path: Path, value: object) -> tuple[PauseCondition, ...]:
    items = r.names(path, value, kind="status", allow_empty=True)
    if items is None:
        return ()
    known = [s.value for s in Status]
    out: list[PauseCondition] = []
    for i, item in enumerate(items):
        ipath: Path = (*path, i) if isinstance(value, list) else path
        status, sep, reason = (part.strip() for part in item.partition(":"))
        if status not in known:
            r.error(
                ipath,
                f"unknown status {status!r}{suggestion(status, known)} (known: {', '.join(known)})",
            )
            continue
        if Status(status) not in PAUSING_STATUSES:
            r.error(
                ipath,
                f"status {status!r} cannot pause a clock "
                f"(pausing statuses: {', '.join(PAUSING_STATUSES)})",
            )
            continue
        if sep and not reason:
            r.error(ipath, f"expected a reason after {status + ':'!r}, e.g. on_hold:partner_outage")
            continue
        out.append(PauseCondition(Status(status), reason or None))
    return tuple(out)


def _read_warn(
    r: Reader, path: Path, value: object, durations: dict[str, Duration]
) -> tuple[Threshold, ...]:
    items: list[Any] = value if isinstance(value, list) else [value]
    out: list[Threshold] = []
    for i, item in enumerate(items):
        ipath: Path = (*path, i) if isinstance(value, list) else path
        try:
            threshold = parse_threshold(item)
        except SpecError as exc:
            r.relocate(ipath, exc)
            continue
        if threshold.lead is not None:
            too_long = _first_not_longer(threshold.lead, durations)
            if too_long is not None:
                priority, target = too_long
                r.error(
                    ipath,
                    f"lead time {threshold.text} is not shorter than the {target.text} target "
                    f"of priority {priority!r}: the warning would come at the start",
                )
                continue
        if any(t.text == threshold.text for t in out):
            r.error(ipath, f"threshold {threshold.text!r} is listed twice")
            continue
        out.append(threshold)
    return tuple(out)


def _first_not_longer(
    lead: timedelta, durations: dict[str, Duration]
) -> tuple[str, Duration] | None:
    for priority, d in durations.items():
        if d.time is not None and d.time <= lead:
            return priority, d
    return None


def _read_actions(r: Reader, path: Path, value: object, names: Names) -> tuple[Action, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        r.error(
            path,
            f"expected a list of actions such as [{{notify: 'role:lead'}}], got {describe(value)}",
        )
        return ()
    out: list[Action] = []
    for i, item in enumerate(value):
        action = _read_action(r, (*path, i), item, names)
        if action is not None:
            out.append(action)
    return tuple(out)


def _read_action(r: Reader, path: Path, value: object, names: Names) -> Action | None:
    if not isinstance(value, dict) or len(value) != 1:
        got = "a mapping with several keys" if isinstance(value, dict) else describe(value)
        r.error(
            path,
            f"expected an action: a mapping with one key of {', '.join(ACTION_KINDS)}, got {got}",
        )
        return None
    ((kind, raw_to),) = value.items()
    if kind not in ACTION_KINDS:
        r.error(
            (*path, kind),
            f"unknown action {kind!r}{suggestion(kind, ACTION_KINDS)} "
            f"(known: {', '.join(ACTION_KINDS)})",
        )
        return None
    apath: Path = (*path, kind)
    to = r.string(apath, raw_to, what=f"the {kind} target")
    if to is None:
        return None
    problem = _action_problem(kind, to, names)
    if problem is not None:
        r.error(apath, problem)
        return None
    return Action(kind, to)


def _action_problem(kind: str, to: str, names: Names) -> str | None:
    if kind == "notify":
        form, _, rest = to.partition(":")
        if to in ("assignee", "dedicated_agent"):
            return None
        if form in ("role", "team") and rest.strip():
            return None
        if form == "agent" and "@" in rest:
            return None
        return f"cannot notify {to!r} (use {_NOTIFY_FORMS})"
    if kind == "page":
        return None if to == "on_call" else f"can only page on_call, got {to!r}"
    if kind == "set_priority":
        known = names.priorities
        if known is not None and to not in known:
            return f"unknown priority {to!r}{suggestion(to, known)} ({known_list(known)})"
    if kind == "tell_customer":
        known = names.messages
        if known is not None and to not in known:
            return (
                f"unknown message {to!r}{suggestion(to, known)} "
                f"({known_list(known)}; define it under `messages`)"
            )
    return None
