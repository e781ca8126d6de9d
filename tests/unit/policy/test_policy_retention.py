"""Retention: the policy key, and the pure rule that says which closed tickets are expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from policy_texts import at, edit, problems

from sladesk.policy import load_policy, load_policy_file
from sladesk.tickets import (
    RetentionCandidate,
    add_months,
    decide_retention,
    purgeable,
    retention_months,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "policies"


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("closed", "months", "expires"),
    [
        (_utc(2026, 1, 15, 10, 30), 3, _utc(2026, 4, 15, 10, 30)),
        (_utc(2026, 1, 31, 10), 1, _utc(2026, 2, 28, 10)),  # clamped to the month's end
        (_utc(2028, 1, 31, 10), 1, _utc(2028, 2, 29, 10)),  # leap year
        (_utc(2026, 11, 30, 23, 59, 59), 3, _utc(2027, 2, 28, 23, 59, 59)),  # over a year
        (_utc(2026, 5, 31), 12, _utc(2027, 5, 31)),
        (_utc(2026, 3, 1), 0, _utc(2026, 3, 1)),
    ],
)
def test_add_months_is_calendar_month_arithmetic_in_utc(
    closed: datetime, months: int, expires: datetime
) -> None:
    assert add_months(closed, months) == expires


def test_add_months_reads_an_offset_instant_in_utc() -> None:
    # 31 Jan 23:00 at UTC-3 is 1 Feb 02:00 UTC: one month later is 1 Mar 02:00 UTC
    closed = datetime(2026, 1, 31, 23, 0, tzinfo=timezone(timedelta(hours=-3)))
    assert add_months(closed, 1) == _utc(2026, 3, 1, 2)


def test_add_months_refuses_naive_instants_and_negative_months() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_months(datetime(2026, 1, 1), 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="negative"):
        add_months(_utc(2026, 1, 1), -1)


def test_blip_keeps_closed_conversations_three_months() -> None:
    blip = load_policy_file(EXAMPLES / "blip-go.yaml")
    assert blip.retention_months == 3
    assert retention_months(blip, "pro") == retention_months(blip, "free") == 3
    assert retention_months(blip, None) == 3
    closed = _utc(2026, 1, 10, 12)
    before = decide_retention(
        blip, RetentionCandidate(1, "pro", closed), now=_utc(2026, 4, 10, 11, 59, 59)
    )
    at_expiry = decide_retention(
        blip, RetentionCandidate(1, "pro", closed), now=_utc(2026, 4, 10, 12)
    )
    assert before.expires_at == at_expiry.expires_at == _utc(2026, 4, 10, 12)
    assert (before.expired, purgeable(before)) == (False, False)
    assert (at_expiry.expired, purgeable(at_expiry)) == (True, True)


def test_a_legal_hold_stops_an_expired_ticket() -> None:
    blip = load_policy_file(EXAMPLES / "blip-go.yaml")
    held = decide_retention(
        blip, RetentionCandidate(1, "pro", _utc(2025, 1, 1), held=True), now=_utc(2026, 1, 1)
    )
    assert held.expired and held.held and not purgeable(held)


def test_a_plan_overrides_the_policy_and_no_value_keeps_for_ever() -> None:
    text = edit("ticket_quota: 40}", "ticket_quota: 40, retention_months: 12}")
    policy = load_policy(text)
    assert policy.retention_months is None
    assert retention_months(policy, "pro") == 12
    assert retention_months(policy, "free") is None
    forever = decide_retention(
        policy, RetentionCandidate(1, "free", _utc(2000, 1, 1)), now=_utc(2026, 1, 1)
    )
    assert forever.expires_at is None and not purgeable(forever)
    with_default = load_policy(edit("rules:\n", "retention_months: 6\nrules:\n", text))
    assert retention_months(with_default, "free") == 6
    assert retention_months(with_default, "pro") == 12
    assert retention_months(with_default, "gone") == 6


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "expected a whole number of at least 1, got 0"),
        ("three", "expected a whole number, got the string 'three'"),
        ("1.5", "expected a whole number, got the number 1.5"),
    ],
)
def test_bad_retention_values_are_located(value: str, message: str) -> None:
    text = edit("rules:\n", f"retention_months: {value}\nrules:\n")
    assert problems(text) == [f"p.yaml:{at(text, value + chr(10))}: retention_months: {message}"]
    text = edit("ticket_quota: 40}", f"ticket_quota: 40, retention_months: {value}}}")
    assert problems(text) == [
        f"p.yaml:{at(text, value + '}')}: plans.pro.retention_months: {message}"
    ]
