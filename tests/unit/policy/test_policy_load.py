"""A complete, valid policy file loads into exactly the model values it says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from policy_texts import BASE, edit

import sladesk.policy
from sladesk.calendar import Calendar
from sladesk.errors import PolicyError
from sladesk.policy import (
    Action,
    Addon,
    Conditions,
    Duration,
    Fulfilment,
    Metric,
    PauseCondition,
    Plan,
    Policy,
    Priority,
    StartEvent,
    Status,
    Target,
    Threshold,
    TicketType,
    load_policy,
    load_policy_file,
)

FULL = Path(__file__).parent / "fixtures" / "full.yaml"


@pytest.fixture(scope="module")
def full() -> Policy:
    return load_policy_file(FULL)


def test_public_face_is_exactly_this() -> None:
    assert sladesk.policy.__all__ == [
        "Action",
        "Addon",
        "CallPolicy",
        "Closing",
        "Conditions",
        "Duration",
        "Fulfilment",
        "MAX_POLICY_CHARS",
        "Maintenance",
        "Metric",
        "OnCallPolicy",
        "PauseCondition",
        "Plan",
        "Policy",
        "Priority",
        "RoutingRule",
        "Rule",
        "StartEvent",
        "Status",
        "Target",
        "Text",
        "Threshold",
        "TicketType",
        "conditions_hold",
        "load_policy",
        "load_policy_file",
        "match_rule",
        "parse_duration",
        "parse_threshold",
        "validate_policy",
    ]


def test_top_level_values(full: Policy) -> None:
    assert full.name == "acme-support"
    assert full.version == "2026-03"
    assert full.locales == ("en", "es")
    assert full.binding is False
    assert full.default_priority == "high"
    assert full.channels == frozenset({"portal", "email", "whatsapp", "chat"})
    assert full.community_url == "https://community.example.com/"
    assert full.help_center_url == "https://help.example.com/"
    assert full.messages == {
        "deadline_at_risk": {
            "en": "We may not meet the deadline because {reason}.",
            "es": "Puede que no cumplamos el plazo porque {reason}.",
        }
    }
    assert full.source_text == FULL.read_text(encoding="utf-8")


def test_calendars_are_compiled(full: Policy) -> None:
    assert list(full.calendars) == ["office", "always"]
    office = full.calendars["office"]
    assert isinstance(office, Calendar)
    assert office.timezone.key == "Europe/Lisbon"
    friday_evening = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)  # 20:00 in Lisbon (WET)
    assert office.add(friday_evening, timedelta(hours=2)) == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert full.calendars["always"].is_24x7


def test_priorities_types_plans_addons(full: Policy) -> None:
    assert full.priorities[0] == Priority(
        "urgent",
        {"en": "Urgent", "es": "Urgente"},
        {"en": "The system is down.", "es": "El sistema no está disponible."},
    )
    assert [p.key for p in full.priorities] == ["urgent", "high", "normal"]
    assert full.priority_rank("normal") == 2
    assert full.types["feature_request"] == TicketType(
        "feature_request", {"en": "Feature request", "es": "Nueva funcionalidad"}, {}, False
    )
    assert full.types["incident"].under_sla
    assert full.types["incident"].definition["es"] == "Algo dejó de funcionar."
    free_label = {"en": "Free", "es": "Gratis"}
    assert full.plans == {
        "free": Plan("free", free_label, False, None, None, frozenset({"question"})),
        "pro": Plan("pro", {"en": "Pro", "es": "Pro"}, True, 40, frozenset({"portal", "whatsapp"})),
        "all_inclusive": Plan("all_inclusive", {"en": "All-inclusive", "es": "Todo incluido"}),
    }
    assert full.addons["vip"] == Addon(
        "vip",
        {"en": "VIP", "es": "VIP"},
        frozenset({"all_inclusive"}),
        {"price": "1000 EUR/month", "agents": "2"},
    )
    assert full.addons["integrations_24x7"].plans is None


def test_rules_conditions(full: Policy) -> None:
    on_call, vip, standard = full.rules
    assert on_call.name == "integrations on call"
    assert on_call.description.startswith("Blocker and high incidents")
    assert on_call.when == Conditions(
        types=frozenset({"incident"}),
        priorities=frozenset({"urgent", "high"}),
        addons=frozenset({"integrations_24x7"}),
        attributes={"integration": frozenset({"vendor_built"})},
    )
    assert vip.when == Conditions(
        addons=frozenset({"vip"}),
        channels=frozenset({"chat", "email"}),
        tags=frozenset({"vip", "key_account"}),
        organizations=frozenset({"acme"}),
    )
    assert standard.when == Conditions()


def test_targets(full: Policy) -> None:
    on_call, vip, standard = full.rules
    one_hour = Duration("1h", time=timedelta(hours=1))
    assert on_call.targets == (
        Target(
            metric=Metric.FIRST_RESPONSE,
            calendar="always",
            durations={"urgent": one_hour, "high": one_hour, "normal": one_hour},
            fulfilled_by=Fulfilment.ASSIGNMENT,
            warn=(Threshold("30m", lead=timedelta(minutes=30)),),
            on_breach=(Action("page", "on_call"),),
        ),
    )
    assert [(t.metric, t.calendar) for t in vip.targets] == [
        (Metric.FIRST_RESPONSE, "office"),
        (Metric.NEXT_RESPONSE, "always"),
    ]
    assert vip.targets[1].durations["normal"] == Duration("2bd", business_days=2)
    first, resolution, update = standard.targets
    assert first.start is StartEvent.ACCEPTED
    assert first.fulfilled_by is Fulfilment.PUBLIC_REPLY
    assert first.durations == {
        "urgent": Duration("4h", time=timedelta(hours=4)),
        "high": Duration("1h30m", time=timedelta(hours=1, minutes=30)),
    }  # normal: null -> no first-response target for normal tickets
    assert first.warn == (
        Threshold("75%", fraction=0.75),
        Threshold("90%", fraction=0.9),
        Threshold("15m", lead=timedelta(minutes=15)),
    )
    assert first.on_warning == (
        Action("notify", "role:lead"),
        Action("tell_customer", "deadline_at_risk"),
    )
    assert first.on_breach == (
        Action("notify", "agent:lead@example.com"),
        Action("move_to_team", "tier2"),
        Action("set_priority", "urgent"),
        Action("webhook", "pager"),
    )
    assert resolution.fulfilled_by is Fulfilment.SOLVED
    assert list(resolution.durations) == ["urgent", "high"]
    assert resolution.pause_on == (
        PauseCondition(Status.PENDING_CUSTOMER),
        PauseCondition(Status.ON_HOLD, "partner_outage"),
    )
    assert update.metric is Metric.PERIODIC_UPDATE
    assert set(update.durations) == {"urgent", "high", "normal"}
    assert update.pause_on == (PauseCondition(Status.ON_HOLD),)


def test_defaults() -> None:
    policy = load_policy(edit("channels: [portal, email, whatsapp]\n", ""))
    assert policy.channels == frozenset({"portal", "email", "whatsapp", "chat", "phone", "app"})
    assert policy.default_priority == "low"  # the last, least urgent
    assert policy.binding is True
    assert policy.community_url is None
    first = policy.rules[1].targets[0]
    assert first.start is StartEvent.CREATED
    assert first.calendar == "office"  # from the rule
    assert first.pause_on == ()


def test_a_rule_may_have_no_targets() -> None:
    no_sla = "  - name: no sla for features\n    when: {type: feature_request}\n    targets: []\n"
    text = edit("  - name: vip\n", no_sla + "  - name: vip\n")
    policy = load_policy(text)
    assert policy.rules[0].targets == ()


def test_load_policy_file_names_the_path_as_given(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(edit('version: "1"', "version: 1"), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    assert str(caught.value.errors[0]).startswith(f"{path}:2:10: version: ")
    with pytest.raises(PolicyError) as caught:
        load_policy_file(str(path))
    assert caught.value.errors[0].location.source == str(path)


def test_load_policy_file_refuses_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.replace("Caído", "Ca\xeddo").encode("latin-1"))
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:12: not UTF-8 text (invalid continuation byte)"
    ]


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_policy_file(tmp_path / "nope.yaml")


def test_the_example_in_the_docs_loads() -> None:
    docs = Path(__file__).parents[3] / "docs" / "policies.md"
    text = docs.read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    policy = load_policy(example, "docs/policies.md")
    assert policy.name == "infraspeak-support"
    assert policy.addons["vip"].plans == frozenset({"all_inclusive"})


@pytest.mark.parametrize(
    "name", ["aivo.yaml", "blip-go.yaml", "infraspeak.yaml", "liveagent-vip.yaml"]
)
def test_the_seed_policies_load(name: str) -> None:
    path = Path(__file__).parents[3] / "examples" / "policies" / name
    assert load_policy_file(path).rules
