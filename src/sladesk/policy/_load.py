"""Policy file text -> :class:`~sladesk.policy.Policy`, with every problem reported at once.

The file is parsed with positions (:mod:`sladesk.yaml_source`) and read section by section in
the order the sections depend on each other: locales (texts need them), calendars, priorities,
types, channels, plans, add-ons, messages, and rules last. Each problem is a
:class:`~sladesk.errors.SpecError` at ``file:line:col`` with its field path; calendar spec
errors, which know only their path inside the spec, are placed in the file here.
"""

from __future__ import annotations

import os
import re
import string
from datetime import timedelta
from typing import Any, Final

from sladesk.calendar import Calendar, parse_duration
from sladesk.errors import CalendarSpecError, LimitError, Location, PolicyError, SpecError
from sladesk.policy._model import Addon, Maintenance, Plan, Policy, Priority, Rule, TicketType
from sladesk.policy._oncall import read_closing, read_on_call
from sladesk.policy._reader import Reader, known_list, suggestion
from sladesk.policy._rules import Names, read_rules
from sladesk.policy._vip import read_calls, read_routing
from sladesk.yaml_source import Document, Path, PathPart, describe, load_yaml

TOP_KEYS = (
    "policy",
    "version",
    "locales",
    "binding",
    "calendars",
    "priorities",
    "default_priority",
    "types",
    "channels",
    "plans",
    "addons",
    "community_url",
    "help_center_url",
    "messages",
    "retention_months",
    "maintenance",
    "on_call",
    "closing",
    "routing",
    "calls",
    "rules",
)
REQUIRED_KEYS = ("policy", "version", "locales", "calendars", "priorities", "types", "rules")
DEFAULT_CHANNELS = ("portal", "email", "whatsapp", "chat", "phone", "app")
PRIORITY_KEYS = ("label", "definition")
TYPE_KEYS = ("label", "definition", "sla", "quota", "answer")
PLAN_KEYS = (
    "label",
    "support",
    "ticket_quota",
    "channels",
    "community_types",
    "retention_months",
)
ADDON_KEYS = ("label", "plans", "details")
MAINTENANCE_KEYS = ("calendar", "notice_before", "text", "mail_recurring", "notify_at_start")
#: how long before a maintenance window customers are told when the policy does not say
DEFAULT_MAINTENANCE_NOTICE: Final = timedelta(hours=24)
#: the longest policy file read (characters); the examples are about 10,000
MAX_POLICY_CHARS: Final = 256 * 1024
#: the texts sladesk itself sends, by message key, with the placeholders each may use; any
#: other key under ``messages`` must be named by a ``tell_customer`` action
SYSTEM_MESSAGES: Final[dict[str, tuple[str, ...]]] = {
    "quota_exceeded": ("quota", "used"),  # to a ticket filed over the plan's monthly quota
    "community_answer": ("url",),  # to a question the plan sends to the community
    "email_out_of_hours": ("number",),  # to mail that arrives while the team is closed
}
_SPEC_PATH_RE = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def load_policy(text: str, source: str = "<string>") -> Policy:
    """Read a policy file's text. Raises :class:`PolicyError` listing every problem."""
    policy, errors = _read(text, source)
    if errors or policy is None:
        raise PolicyError(errors)
    return policy


def load_policy_file(path: str | os.PathLike[str]) -> Policy:
    """Read the policy file at ``path`` (UTF-8); errors name the path as given. An unreadable
    file raises :class:`OSError`; text that is not UTF-8 is a :class:`PolicyError`."""
    source = os.fspath(path)
    with open(path, "rb") as f:
        # a UTF-8 character is at most 4 bytes: past that many, the text is over the limit
        data = f.read(4 * MAX_POLICY_CHARS + 1)
    if len(data) > 4 * MAX_POLICY_CHARS:
        raise PolicyError(
            [
                LimitError(
                    f"the file is too large: at most {MAX_POLICY_CHARS:,} characters are read",
                    Location(source),
                )
            ]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PolicyError(
            [SpecError(f"not UTF-8 text ({exc.reason})", Location(source, line))]
        ) from None
    return load_policy(text, source)


def validate_policy(text: str, source: str = "<string>") -> list[SpecError]:
    """Every problem of a policy file's text, sorted by line; empty when it is fine."""
    return _read(text, source)[1]


def _read(text: str, source: str) -> tuple[Policy | None, list[SpecError]]:
    try:
        doc = load_yaml(text, source, max_chars=MAX_POLICY_CHARS)
    except SpecError as exc:
        return None, [exc]
    return read_document(doc, text)


def read_document(doc: Document, text: str) -> tuple[Policy | None, list[SpecError]]:
    """The policy a parsed document describes, or every problem it has (sorted by line)."""
    r = Reader(doc)
    policy = _read_policy(r, doc.data, text)
    errors = sorted(
        r.errors, key=lambda e: (e.location.line or 0, e.location.column or 0, e.location.path)
    )
    return (policy if not errors else None), errors


def _read_policy(r: Reader, data: object, text: str) -> Policy | None:
    if data is None:
        r.error((), "the policy file is empty (see docs/policies.md for its keys)")
        return None
    top = r.mapping((), data, allowed=TOP_KEYS, required=REQUIRED_KEYS, what="a policy mapping")
    if top is None:
        return None
    name = r.string(("policy",), top["policy"], what="a policy name") if "policy" in top else None
    version = r.string(("version",), top["version"], what="a version") if "version" in top else None
    locales = _read_locales(r, top.get("locales")) if "locales" in top else None
    binding = True
    if "binding" in top:
        binding = r.boolean(("binding",), top["binding"]) is not False
    read_calendars = _read_calendars(r, top["calendars"]) if "calendars" in top else None
    calendars, calendar_names = read_calendars or (None, None)
    priorities = _read_priorities(r, top["priorities"], locales) if "priorities" in top else None
    priority_keys = tuple(p.key for p in priorities) if priorities is not None else None
    default_priority = _read_default_priority(r, top, priority_keys)
    types = _read_types(r, top["types"], locales) if "types" in top else None
    channels = _read_channels(r, top.get("channels"))
    plans = _read_plans(r, top.get("plans"), locales, _keys(types), channels)
    addons = _read_addons(r, top.get("addons"), locales, _keys(plans))
    messages = _read_messages(r, top.get("messages"), locales)
    _check_answers(r, types, _keys(messages))
    community_url = help_center_url = None
    if "community_url" in top:
        community_url = r.url(("community_url",), top["community_url"])
    if "help_center_url" in top:
        help_center_url = r.url(("help_center_url",), top["help_center_url"])
    retention_months = _read_retention(r, ("retention_months",), top.get("retention_months"))
    maintenance = _read_maintenance(r, top.get("maintenance"), locales, calendar_names)
    on_call = read_on_call(r, top["on_call"], calendars) if "on_call" in top else None
    closing = read_closing(r, top["closing"], _keys(messages)) if "closing" in top else None
    names = Names(
        priorities=priority_keys,
        types=_keys(types),
        plans=_keys(plans),
        addons=_keys(addons),
        channels=channels,
        calendars=calendar_names,
        messages=_keys(messages),
    )
    errors_before_rules = len(r.errors)
    rules = read_rules(r, top["rules"], names) if "rules" in top else ()
    routing = read_routing(r, top.get("routing"), names)
    calls = read_calls(r, top.get("calls"), names)
    if messages and len(r.errors) == errors_before_rules:  # else a named key may be missed
        answers = {t.answer for t in (types or {}).values() if t.answer is not None}
        if closing is not None and closing.message is not None:
            answers.add(closing.message)  # sent when a ticket is closed with evidence
        _check_messages_are_sent(r, messages, rules, answers)
    if r.errors:
        return None
    assert name is not None and version is not None and locales is not None
    assert calendars is not None and priorities is not None and default_priority is not None
    assert types is not None and channels is not None and plans is not None
    assert addons is not None and messages is not None
    return Policy(
        name=name,
        version=version,
        locales=locales,
        calendars=calendars,
        priorities=priorities,
        default_priority=default_priority,
        types=types,
        plans=plans,
        addons=addons,
        channels=frozenset(channels),
        rules=rules,
        binding=binding,
        community_url=community_url,
        help_center_url=help_center_url,
        messages=messages,
        retention_months=retention_months,
        maintenance=maintenance,
        routing=routing,
        calls=calls,
        source_text=text,
        on_call=on_call,
        closing=closing,
    )


def _keys(section: dict[str, Any] | None) -> tuple[str, ...] | None:
    return tuple(section) if section is not None else None


def _read_locales(r: Reader, value: object) -> tuple[str, ...] | None:
    got = r.names(("locales",), value, kind="locale", scalar=False)
    if got is None:
        return None
    for i, loc in enumerate(got):
        if not re.fullmatch(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", loc):
            r.error(("locales", i), f"expected a locale code such as en, es or pt-BR, got {loc!r}")
            return None
    return got


def _read_calendars(r: Reader, value: object) -> tuple[dict[str, Calendar], tuple[str, ...]] | None:
    """The compiled calendars, and every declared name (a spec with errors still names a
    calendar that rules may refer to)."""
    raw = r.keyed(("calendars",), value, what="calendar name to calendar spec")
    if raw is None:
        return None
    if not raw and isinstance(value, dict) and not value:
        r.error(("calendars",), "expected at least one calendar")
    out: dict[str, Calendar] = {}
    for name, spec in raw.items():
        try:
            out[name] = Calendar.from_spec(spec)
        except SpecError as exc:
            _relocate_calendar_error(r, name, exc)
        except (ValueError, TypeError, KeyError) as exc:
            r.error(("calendars", name), f"calendar cannot be compiled: {exc}")
    return out, tuple(raw)


def _relocate_calendar_error(r: Reader, name: str, exc: SpecError) -> None:
    inner = exc.location.path if isinstance(exc, CalendarSpecError) else ""
    parts: list[PathPart] = []
    for m in _SPEC_PATH_RE.finditer(inner):
        parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    message = exc.message
    field = inner or "calendar spec"
    for prefix in (f"{field}: ", "calendar: "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    suffix = f" (field '{field}')"
    if message.endswith(suffix):
        message = message[: -len(suffix)]
    r.error(("calendars", name, *parts), message)


def _read_priorities(
    r: Reader, value: object, locales: tuple[str, ...] | None
) -> tuple[Priority, ...] | None:
    raw = r.keyed(("priorities",), value, what="priority key to its label and definition")
    if raw is None:
        return None
    if not raw and isinstance(value, dict):
        r.error(("priorities",), "expected at least one priority")
        return None
    out: list[Priority] = []
    for key, item in raw.items():
        path: Path = ("priorities", key)
        fields = r.mapping(path, item, allowed=PRIORITY_KEYS, required=PRIORITY_KEYS) or {}
        label = r.text((*path, "label"), fields["label"], locales) if "label" in fields else {}
        definition = {}
        if "definition" in fields:
            definition = r.text((*path, "definition"), fields["definition"], locales)
        out.append(Priority(key, label, definition))
    return tuple(out)


def _read_default_priority(
    r: Reader, top: dict[str, Any], priority_keys: tuple[str, ...] | None
) -> str | None:
    if "default_priority" not in top:
        return priority_keys[-1] if priority_keys else None
    path: Path = ("default_priority",)
    key = r.string(path, top["default_priority"], what="a priority key")
    if key is None or priority_keys is None:
        return None
    if key not in priority_keys:
        r.error(
            path,
            f"unknown priority {key!r}{suggestion(key, priority_keys)} "
            f"({known_list(priority_keys)})",
        )
        return None
    return key


def _read_types(
    r: Reader, value: object, locales: tuple[str, ...] | None
) -> dict[str, TicketType] | None:
    raw = r.keyed(("types",), value, what="ticket type key to its label and definition")
    if raw is None:
        return None
    if not raw and isinstance(value, dict):
        r.error(("types",), "expected at least one ticket type")
        return None
    out: dict[str, TicketType] = {}
    for key, item in raw.items():
        path: Path = ("types", key)
        fields = r.mapping(path, item, allowed=TYPE_KEYS, required=("label",)) or {}
        label = r.text((*path, "label"), fields["label"], locales) if "label" in fields else {}
        definition = {}
        if "definition" in fields:
            definition = r.text((*path, "definition"), fields["definition"], locales)
        under_sla = True
        if "sla" in fields:
            under_sla = r.boolean((*path, "sla"), fields["sla"]) is not False
        counted = True
        if "quota" in fields:
            counted = r.boolean((*path, "quota"), fields["quota"]) is not False
        answer = None
        if "answer" in fields:
            answer = r.string((*path, "answer"), fields["answer"], what="a message key")
        out[key] = TicketType(key, label, definition, under_sla, counted, answer)
    return out


def _check_answers(
    r: Reader, types: dict[str, TicketType] | None, messages: tuple[str, ...] | None
) -> None:
    """Each type's ``answer`` names a message (checked once both sections are read)."""
    if types is None or messages is None:
        return
    for key, t in types.items():
        if t.answer is not None and t.answer not in messages:
            r.error(
                ("types", key, "answer"),
                f"unknown message {t.answer!r}{suggestion(t.answer, messages)} "
                f"({known_list(messages)})",
            )


def _read_channels(r: Reader, value: object) -> tuple[str, ...] | None:
    if value is None:
        return DEFAULT_CHANNELS
    got = r.names(("channels",), value, kind="channel", scalar=False)
    if got is None:
        return None
    for i, name in enumerate(got):
        if not r.check_key(("channels", i), name):
            return None
    return got


def _read_plans(
    r: Reader,
    value: object,
    locales: tuple[str, ...] | None,
    types: tuple[str, ...] | None,
    channels: tuple[str, ...] | None,
) -> dict[str, Plan] | None:
    if value is None:
        return {}
    raw = r.keyed(("plans",), value, what="plan key to the plan")
    if raw is None:
        return None
    out: dict[str, Plan] = {}
    for key, item in raw.items():
        path: Path = ("plans", key)
        fields = r.mapping(path, item, allowed=PLAN_KEYS, required=("label",)) or {}
        label = r.text((*path, "label"), fields["label"], locales) if "label" in fields else {}
        support = True
        if "support" in fields:
            support = r.boolean((*path, "support"), fields["support"]) is not False
        quota = None
        if fields.get("ticket_quota") is not None:
            quota = r.integer((*path, "ticket_quota"), fields["ticket_quota"], minimum=1)
        plan_channels = None
        if "channels" in fields:
            got = r.names((*path, "channels"), fields["channels"], kind="channel", known=channels)
            plan_channels = frozenset(got) if got is not None else None
        community: frozenset[str] = frozenset()
        if "community_types" in fields:
            got = r.names(
                (*path, "community_types"), fields["community_types"], kind="type", known=types
            )
            community = frozenset(got or ())
        retention = _read_retention(r, (*path, "retention_months"), fields.get("retention_months"))
        out[key] = Plan(key, label, support, quota, plan_channels, community, retention)
    return out


def _read_retention(r: Reader, path: Path, value: object) -> int | None:
    """``retention_months``: a whole number of calendar months, at least 1 (absent or
    ``null``: kept for ever)."""
    if value is None:
        return None
    return r.integer(path, value, minimum=1)


def _read_maintenance(
    r: Reader,
    value: object,
    locales: tuple[str, ...] | None,
    calendars: tuple[str, ...] | None,
) -> Maintenance | None:
    """``maintenance:``: the calendar of the recurring windows (optional: windows may all be
    scheduled by admins), how long before a window customers are told (``notice_before``, a
    wall-clock duration such as ``24h``; business days make no sense here), the text that
    says what the window means, and whether the recurring windows are mailed."""
    if value is None:
        return None
    path: Path = ("maintenance",)
    fields = r.mapping(path, value, allowed=MAINTENANCE_KEYS, required=()) or {}
    calendar = None
    if "calendar" in fields:
        calendar = r.string((*path, "calendar"), fields["calendar"], what="a calendar name")
        if calendar is not None and calendars is not None and calendar not in calendars:
            r.error(
                (*path, "calendar"),
                f"unknown calendar {calendar!r} (the policy has {known_list(calendars)})"
                + suggestion(calendar, calendars),
            )
    notice = DEFAULT_MAINTENANCE_NOTICE
    if "notice_before" in fields:
        try:
            duration = parse_duration(fields["notice_before"])
        except SpecError as exc:
            r.error((*path, "notice_before"), exc.message)
        else:
            if duration.time is None:
                r.error(
                    (*path, "notice_before"),
                    f"expected a duration of clock time in hours or minutes such as 24h "
                    f"or 90m, got {duration.text!r} (business days depend on a calendar)",
                )
            else:
                notice = duration.time
    text = r.text((*path, "text"), fields["text"], locales) if "text" in fields else {}
    flags = {}
    for key in ("mail_recurring", "notify_at_start"):
        if key in fields:
            flags[key] = r.boolean((*path, key), fields[key])
    return Maintenance(
        calendar,
        notice,
        text,
        mail_recurring=flags.get("mail_recurring") is True,
        notify_at_start=flags.get("notify_at_start") is not False,
    )


def _read_addons(
    r: Reader, value: object, locales: tuple[str, ...] | None, plans: tuple[str, ...] | None
) -> dict[str, Addon] | None:
    if value is None:
        return {}
    raw = r.keyed(("addons",), value, what="add-on key to the add-on")
    if raw is None:
        return None
    out: dict[str, Addon] = {}
    for key, item in raw.items():
        path: Path = ("addons", key)
        fields = r.mapping(path, item, allowed=ADDON_KEYS, required=("label",)) or {}
        label = r.text((*path, "label"), fields["label"], locales) if "label" in fields else {}
        addon_plans = None
        if "plans" in fields:
            got = r.names((*path, "plans"), fields["plans"], kind="plan", known=plans)
            addon_plans = frozenset(got) if got is not None else None
        details = _read_details(r, (*path, "details"), fields.get("details"))
        out[key] = Addon(key, label, addon_plans, details)
    return out


def _read_details(r: Reader, path: Path, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        r.error(path, f"expected a mapping of name to text, got {describe(value)}")
        return {}
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, int | float) and not isinstance(item, bool):
            item = str(item)
        text = r.string((*path, key), item, what="a text")
        if text is not None:
            out[key] = text
    return out


def _check_messages_are_sent(
    r: Reader,
    messages: dict[str, dict[str, str]],
    rules: tuple[Rule, ...],
    answers: set[str],
) -> None:
    """Every message is one sladesk sends itself, one a ``tell_customer`` action names, or a
    type's ``answer``: a text nothing sends would be a silent mistake (Blip's
    ``community_redirect`` once was)."""
    told = answers | {
        action.to
        for rule in rules
        for target in rule.targets
        for action in (*target.on_warning, *target.on_breach)
        if action.kind == "tell_customer"
    }
    for key, texts in messages.items():
        path: Path = ("messages", key)
        if key in SYSTEM_MESSAGES:
            _check_placeholders(r, path, texts, SYSTEM_MESSAGES[key])
        elif key not in told:
            r.error(
                path,
                f"message {key!r} is never sent (sladesk sends {', '.join(SYSTEM_MESSAGES)} "
                "itself, and other messages when a tell_customer action or a type's answer "
                "names them)" + suggestion(key, SYSTEM_MESSAGES, cutoff=0.6),
            )


def _check_placeholders(
    r: Reader, path: Path, texts: dict[str, str], allowed: tuple[str, ...]
) -> None:
    for locale, text in texts.items():
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            r.error((*path, locale), f"not a valid text template: {exc} (write {{{{ for {{)")
            continue
        for field in fields:
            if field not in allowed:
                shown = ", ".join(f"{{{a}}}" for a in allowed)
                r.error(
                    (*path, locale), f"unknown placeholder {{{field}}} (this text may use {shown})"
                )


def _read_messages(
    r: Reader, value: object, locales: tuple[str, ...] | None
) -> dict[str, dict[str, str]] | None:
    if value is None:
        return {}
    raw = r.keyed(("messages",), value, what="message key to its texts")
    if raw is None:
        return None
    return {key: r.text(("messages", key), item, locales) for key, item in raw.items()}
