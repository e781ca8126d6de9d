"""Each kind of problem in a policy file: its message, and the line and column it names."""

# ruff: noqa: E501  (tables of expected messages read best one case per line)

from __future__ import annotations

import pytest
from policy_texts import BASE, at, edit, problems

from sladesk.errors import PolicyError, SpecError
from sladesk.policy import load_policy

ALLOWED_TOP = (
    "policy, version, locales, binding, calendars, priorities, default_priority, types, "
    "channels, plans, addons, community_url, help_center_url, messages, retention_months, maintenance, on_call, closing, routing, calls, rules"
)


def test_the_base_text_is_valid() -> None:
    assert problems(BASE) == []


def test_the_example_of_the_brief_reads_as_asked() -> None:
    text = edit("{urgent: 1h, high: 1h}", "{urgent: 1h, urgnt: 1h}")
    assert problems(text, "infraspeak.yaml") == [
        f"infraspeak.yaml:{at(text, '1h}')}: rules[0].targets[0].durations.urgnt: "
        "unknown priority 'urgnt'; did you mean 'urgent'? (known: urgent, high, medium, low)"
    ]


def test_unknown_top_level_key_lists_the_allowed_keys() -> None:
    text = edit('version: "1"\n', 'version: "1"\npolcy: x\n')
    assert problems(text) == [
        f"p.yaml:{at(text, 'x')}: polcy: unknown key 'polcy'; did you mean 'policy'? "
        f"(allowed: {ALLOWED_TOP})"
    ]


def test_unknown_key_in_a_target() -> None:
    text = edit("duration: 24h", "duration: 24h\n        pause: [on_hold]")
    assert problems(text) == [
        f"p.yaml:{at(text, '[on_hold]')}: rules[1].targets[1].pause: unknown key 'pause'; "
        "did you mean 'pause_on'? "
        "(allowed: metric, calendar, durations, duration, start, fulfilled_by, pause_on, warn, "
        "on_warning, on_breach)"
    ]


def test_unknown_key_in_when_and_in_a_plan() -> None:
    text = edit("{addon: vip,", "{addons: vip,")
    text = edit("ticket_quota: 40}", "quota: 40}", text)
    assert problems(text) == [
        f"p.yaml:{at(text, '40}')}: plans.pro.quota: unknown key 'quota' "
        "(allowed: label, support, ticket_quota, channels, community_types, retention_months)",
        f"p.yaml:{at(text, 'vip, priority')}: rules[0].when.addons: unknown key 'addons'; "
        "did you mean 'addon'? (allowed: type, priority, plan, addon, channel, organization, "
        "tag, attributes)",
    ]


TYPES = """\
types:
  incident: {label: {en: Incident, es: Incidente}}
  question: {label: {en: Question, es: Duda}}
  feature_request: {label: {en: Feature request, es: Funcionalidad}, sla: false}
"""
PLANS = """\
plans:
  pro: {label: {en: Pro, es: Pro}, ticket_quota: 40}
  free: {label: {en: Free, es: Gratis}, support: false, community_types: [question]}
"""
VIP_TARGETS = """\
targets:
      - metric: first_response
        calendar: always
        durations: {urgent: 1h, high: 1h}
"""


@pytest.mark.parametrize(
    ("old", "new", "needle", "expected"),
    [
        ('version: "1"', "version: 1.10", "1.10", "version: expected a version, got the number 1.1 (quote it: '1.1')"),
        ("locales: [en, es]", "locales: en", "en\n", "locales: expected a list of locale names, got the string 'en'"),
        (TYPES, "types: [incident]\n", "[incident]", "types: expected a mapping of ticket type key to its label and definition, got a list"),
        ("ticket_quota: 40", "ticket_quota: many", "many", "plans.pro.ticket_quota: expected a whole number, got the string 'many'"),
        ("support: false", "support: nope", "nope", "plans.free.support: expected true or false, got the string 'nope'"),
        (VIP_TARGETS, "targets: first_response\n", "first_response\n", "rules[0].targets: expected a list of targets, got the string 'first_response'"),
        ("when: {addon: vip, priority: [urgent, high]}", "when: [vip]", "[vip]", "rules[0].when: expected a mapping of conditions, got a list"),
        ('on_breach: [{notify: "role:lead"}]', 'on_breach: {notify: "role:lead"}', "{notify", "rules[1].targets[0].on_breach: expected a list of actions such as [{notify: 'role:lead'}], got a mapping"),
        ('on_breach: [{notify: "role:lead"}]', "on_breach: [notify]", "notify]", "rules[1].targets[0].on_breach[0]: expected an action: a mapping with one key of notify, page, move_to_team, set_priority, tell_customer, webhook, got the string 'notify'"),
        ("{en: Urgent, es: Urgente}", "Urgent", "Urgent,", "priorities.urgent.label: expected a mapping of locale to text such as {en: ...}, got the string 'Urgent'"),
        ("    calendar: office\n", "    calendar: [office]\n", "[office]", "rules[1].calendar: expected a calendar name, got a list"),
    ],
)  # fmt: skip
def test_wrong_types_are_located(old: str, new: str, needle: str, expected: str) -> None:
    text = edit(old, new)
    assert problems(text) == [f"p.yaml:{at(text, needle)}: {expected}"]


def test_missing_required_keys_point_at_the_mapping_that_lacks_them() -> None:
    text = edit('policy: acme-support\nversion: "1"\n', "")
    assert problems(text) == [
        "p.yaml:1:1: policy: missing required key 'policy'",
        "p.yaml:1:1: version: missing required key 'version'",
    ]
    text = edit("      - metric: resolution\n        duration", "      - duration")
    assert problems(text) == [
        f"p.yaml:{at(text, 'duration: 24h')}: rules[1].targets[1].metric: "
        "missing required key 'metric'"
    ]


def test_a_target_needs_a_calendar_here_or_on_its_rule() -> None:
    text = edit("    calendar: office\n", "")
    assert problems(text) == [
        f"p.yaml:{at(text, 'metric: first_response', 2)}: rules[1].targets[0].calendar: "
        "missing required key 'calendar' (give it here or on the rule)",
        f"p.yaml:{at(text, 'metric: resolution')}: rules[1].targets[1].calendar: "
        "missing required key 'calendar' (give it here or on the rule)",
    ]


@pytest.mark.parametrize(
    ("old", "new", "needle", "expected"),
    [
        ("calendar: always", "calendar: allways", "allways", "rules[0].targets[0].calendar: unknown calendar 'allways'; did you mean 'always'? (known: office, always)"),
        ("when: {addon: vip,", "when: {type: [incident, bug], addon: vip,", "bug", "rules[0].when.type[1]: unknown type 'bug' (known: incident, question, feature_request)"),
        ("when: {addon: vip,", "when: {plan: premium, addon: vip,", "premium", "rules[0].when.plan: unknown plan 'premium' (known: pro, free)"),
        ("when: {addon: vip,", "when: {addon: vipp,", "vipp", "rules[0].when.addon: unknown add-on 'vipp'; did you mean 'vip'? (known: vip)"),
        ("when: {addon: vip,", "when: {channel: chat, addon: vip,", "chat", "rules[0].when.channel: unknown channel 'chat' (known: portal, email, whatsapp)"),
        ("priority: [urgent, high]}", "priority: [urgent, hihg]}", "hihg", "rules[0].when.priority[1]: unknown priority 'hihg'; did you mean 'high'? (known: urgent, high, medium, low)"),
        ("pause_on: [pending_customer]", "pause_on: [pending_customer, waiting]", "waiting", "rules[1].targets[1].pause_on[1]: unknown status 'waiting' (known: new, open, pending_customer, on_hold, solved, closed)"),
        ("pause_on: [pending_customer]", "pause_on: solved", "solved", "rules[1].targets[1].pause_on: status 'solved' cannot pause a clock (pausing statuses: pending_customer, on_hold)"),
        ("metric: resolution", "metric: resolve", "resolve", "rules[1].targets[1].metric: unknown metric 'resolve' (known: first_response, next_response, resolution, periodic_update)"),
        ("duration: 24h", "duration: 24h\n        start: acepted", "acepted", "rules[1].targets[1].start: unknown start event 'acepted'; did you mean 'accepted'? (known: created, accepted)"),
        ("community_types: [question]", "community_types: [questions]", "questions", "plans.free.community_types[0]: unknown type 'questions'; did you mean 'question'? (known: incident, question, feature_request)"),
        ("plans: [pro]", "plans: [enterprise]", "enterprise", "addons.vip.plans[0]: unknown plan 'enterprise' (known: pro, free)"),
        ("ticket_quota: 40}", "ticket_quota: 40, channels: [portal, sms]}", "sms", "plans.pro.channels[1]: unknown channel 'sms' (known: portal, email, whatsapp)"),
        ('[{notify: "role:lead"}]', "[{set_priority: critical}]", "critical", "rules[1].targets[0].on_breach[0].set_priority: unknown priority 'critical' (known: urgent, high, medium, low)"),
        ('[{notify: "role:lead"}]', "[{tell_customer: quota_exceded}]", "quota_exceded", "rules[1].targets[0].on_breach[0].tell_customer: unknown message 'quota_exceded'; did you mean 'quota_exceeded'? (known: quota_exceeded; define it under `messages`)"),
        ('[{notify: "role:lead"}]', "[{notify: lead}]", "lead}", "rules[1].targets[0].on_breach[0].notify: cannot notify 'lead' (use role:<role>, agent:<email>, team:<team>, assignee or dedicated_agent)"),
        ('[{notify: "role:lead"}]', "[{escalate: tier2}]", "tier2", "rules[1].targets[0].on_breach[0].escalate: unknown action 'escalate' (known: notify, page, move_to_team, set_priority, tell_customer, webhook)"),
        ("\nrules:", "\ndefault_priority: normal\nrules:", "normal", "default_priority: unknown priority 'normal' (known: urgent, high, medium, low)"),
    ],
)  # fmt: skip
def test_unknown_names_are_located(old: str, new: str, needle: str, expected: str) -> None:
    text = edit(old, new)
    assert problems(text) == [f"p.yaml:{at(text, needle)}: {expected}"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2d", "'2d' is ambiguous: write business days as '2bd' or exact time as '48h'"),
        ("0h", "a duration must be longer than zero, got '0h'"),
        ("0bd", "a duration must be longer than zero, got '0bd'"),
        ("-1h", "a duration cannot be negative, got '-1h'"),
        ("4", "expected a duration such as '45m', '4h', '1h30m', '90s' or '1bd', got the number 4 (give a unit: '4h', '4m' or '4bd')"),
        ("4 hours", "expected a duration such as '45m', '4h', '1h30m', '90s' or '1bd', got '4 hours'"),
        ("1bd4h", "business days cannot be combined with other units, got '1bd4h'"),
    ],
)  # fmt: skip
def test_bad_durations(written: str, expected: str) -> None:
    text = edit("duration: 24h", f"duration: {written}")
    assert problems(text) == [
        f"p.yaml:{at(text, written + chr(10))}: rules[1].targets[1].duration: {expected}"
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"100%"', "a share must lie between 0% and 100% (both excluded), got '100%'"),
        ("0.75", "expected a share such as '75%' or a lead time such as '30m', got the number 0.75 (write a share as '75%')"),
        ("1bd", "a lead time must be exact business time such as '30m' or '2h', not business days, got '1bd'"),
        ("5h", "lead time 5h is not shorter than the 4h target of priority 'urgent': the warning would come at the start"),
        ("soon", "expected a share such as '75%' or a lead time such as '30m': expected a duration such as '45m', '4h', '1h30m', '90s' or '1bd', got 'soon'"),
    ],
)  # fmt: skip
def test_bad_thresholds(written: str, expected: str) -> None:
    text = edit('warn: ["75%", 30m]', f'warn: ["75%", {written}]')
    where = at(text, written, after="warn:")
    assert problems(text) == [f"p.yaml:{where}: rules[1].targets[0].warn[1]: {expected}"]


def test_assignment_fulfils_only_first_response() -> None:
    text = edit("duration: 24h", "duration: 24h\n        fulfilled_by: assignment")
    assert problems(text) == [
        f"p.yaml:{at(text, 'assignment')}: rules[1].targets[1].fulfilled_by: 'assignment' is "
        "only allowed on first_response, not on resolution (allowed here: solved)"
    ]
    text = edit("durations: {urgent: 1h, high: 1h}", "durations: {urgent: 1h, high: 1h}\n"
                "        fulfilled_by: assignment")  # fmt: skip
    assert problems(text) == []


def test_each_locale_is_needed_in_labels_definitions_and_messages() -> None:
    text = edit("definition: {en: Down, es: Caído}", "definition: {en: Down}")
    text = edit('es: "Tarde: más de {quota}."}', 'pt: "Atrasado."}', text)
    text = edit("{en: Question, es: Duda}", "{en: Question}", text)
    assert problems(text) == [
        f"p.yaml:{at(text, '{en: Down}')}: priorities.urgent.definition: "
        "missing the 'es' text (every locale of the policy is needed)",
        f"p.yaml:{at(text, '{en: Question}')}: types.question.label: "
        "missing the 'es' text (every locale of the policy is needed)",
        f"p.yaml:{at(text, '{en: ' + chr(34) + 'Late')}: messages.quota_exceeded: "
        "missing the 'es' text (every locale of the policy is needed)",
        f"p.yaml:{at(text, chr(34) + 'Atrasado')}: messages.quota_exceeded.pt: "
        "locale 'pt' is not one of the policy's locales (en, es)",
    ]


def test_duplicate_rule_names() -> None:
    text = edit("  - name: standard", "  - name: vip")
    assert problems(text) == [
        f"p.yaml:{at(text, 'vip', 4)}: rules[1].name: duplicate rule name 'vip': "
        "rules[0] has it too"
    ]


def test_duplicate_metric_in_one_rule() -> None:
    text = edit("metric: resolution", "metric: first_response")
    assert problems(text) == [
        f"p.yaml:{at(text, 'first_response', 3)}: rules[1].targets[1].metric: "
        "metric first_response is already given by rules[1].targets[0]"
    ]


def test_calendar_spec_errors_are_placed_in_the_policy_file() -> None:
    text = edit(
        'hours: {mon-fri: ["09:00-18:00"]}', 'hours: {mon-fri: ["09:00-18:00", "25:00-26:00"]}'
    )
    text = edit("timezone: UTC", "timezone: Mars/Olympus", text)
    found = problems(text)
    assert [f.split(": ", 2)[:2] for f in found] == [
        [f"p.yaml:{at(text, chr(34) + '25:00')}", "calendars.office.hours.mon-fri[1]"],
        [f"p.yaml:{at(text, 'Mars')}", "calendars.always.timezone"],
    ]
    assert "25:00-26:00" in found[0] and "Mars/Olympus" in found[1]
    assert "field '" not in found[0]  # the calendar's own path is not repeated


def test_a_broken_section_does_not_bury_the_file_in_follow_on_errors() -> None:
    text = edit("timezone: UTC", "timezone: Mars/Olympus")
    text = edit(PLANS, "plans: [pro, free]\n", text)
    text = edit("when: {addon: vip,", "when: {plan: pro, addon: vip,", text)
    found = problems(text)
    assert [f.split(": ")[1] for f in found] == ["calendars.always.timezone", "plans"]


def test_yaml_syntax_errors_and_duplicate_keys_are_located() -> None:
    found = problems("policy: [a\nversion: 1\n")
    assert found == ["p.yaml:2:8: not valid YAML: expected ',' or ']', but got ':'"]
    text = edit("  always:", "  office:")
    assert problems(text) == [
        f"p.yaml:{at(text, 'office', 2)}: calendars.office: duplicate key 'office'"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "p.yaml: the policy file is empty (see docs/policies.md for its keys)"),
        ("- a\n- b\n", "p.yaml:1:1: expected a policy mapping, got a list"),
        ("just words\n", "p.yaml:1:1: expected a policy mapping, got the string 'just words'"),
    ],
)
def test_not_a_policy_at_all(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_many_errors_are_all_reported_sorted_by_line() -> None:
    text = edit('version: "1"', "version: 2")
    text = edit("calendar: always", "calendar: nowhere", text)
    text = edit("durations: {urgent: 4h,", "durations: {urgent: 4d,", text)
    text = edit("metric: resolution", "metric: resolve", text)
    text = edit("{en: Low, es: Baja}", "{en: Low}", text)
    found = problems(text)
    assert [f.split(": ")[1] for f in found] == [
        "version",
        "priorities.low.label",
        "rules[0].targets[0].calendar",
        "rules[1].targets[0].durations.urgent",
        "rules[1].targets[1].metric",
    ]
    lines = [int(f.split(":")[1]) for f in found]
    assert lines == sorted(lines)
    with pytest.raises(PolicyError) as caught:
        load_policy(text, "p.yaml")
    assert [str(e) for e in caught.value.errors] == found
    assert all(isinstance(e, SpecError) for e in caught.value.errors)
    assert str(caught.value).startswith("5 problem(s) in policy:\np.yaml:2:10: version:")


def test_on_call_section_errors_say_where() -> None:
    text = edit(
        'version: "1"\n',
        'version: "1"\non_call:\n  rotation: wekly\n  handoff: "monday 9"\n  repage_after: 1bd\n',
    )
    got = problems(text)
    assert any("on_call.rotation: unknown rotation 'wekly'; did you mean 'weekly'?" in p
               for p in got), got  # fmt: skip
    assert any("on_call.handoff: expected a weekday and a local time such as 'mon 09:00'" in p
               for p in got), got  # fmt: skip
    assert any("on_call.repage_after: expected a time such as 15m" in p for p in got), got


def test_follow_the_sun_shifts_name_known_calendars() -> None:
    text = edit(
        'version: "1"\n',
        'version: "1"\non_call:\n  rotation: follow_the_sun\n'
        "  shifts: [{name: day, calendar: nowhere}]\n",
    )
    got = problems(text)
    assert any("on_call.shifts[0].calendar: unknown calendar 'nowhere'" in p for p in got), got


def test_closing_names_a_known_message() -> None:
    text = edit('version: "1"\n', 'version: "1"\nclosing: {evidence_for: [x], message: nope}\n')
    got = problems(text)
    assert any("closing.message: unknown message 'nope'" in p for p in got), got
