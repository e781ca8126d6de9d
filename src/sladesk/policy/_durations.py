"""Durations and warning thresholds as people write them in a policy file.

Targets are written ``45m``, ``4h``, ``1h30m``, ``90s`` (exact business time) or ``1bd``,
``10bd`` (business days); warnings are ``75%`` (share of the target used) or a lead time such
as ``30m``. The grammar is small on purpose: ``2d`` is refused because a reader cannot tell
calendar days from business days, and zero or negative lengths are refused because no
promise is made by them. Errors carry no location; the loader places them in the file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sladesk.errors import SpecError
from sladesk.policy._model import Duration, Threshold
from sladesk.policy._reader import describe

_TIME_RE = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")
_BUSINESS_DAYS_RE = re.compile(r"^(?P<n>\d+)bd$")
_DAYS_RE = re.compile(r"^(?P<n>\d+)d$")
_EXAMPLES = "such as '45m', '4h', '1h30m', '90s' or '1bd'"


def _describe(value: object) -> str:
    return repr(value) if isinstance(value, str) else describe(value)


def _time(text: str) -> timedelta | None:
    m = _TIME_RE.match(text)
    if m is None or not any(m.groupdict().values()):
        return None
    hours, minutes, seconds = (int(m.group(k) or 0) for k in ("h", "m", "s"))
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def parse_duration(text: object) -> Duration:
    """``"4h"`` -> ``Duration("4h", time=4h)``; ``"2bd"`` -> ``Duration("2bd",
    business_days=2)``. Raises :class:`SpecError` for anything else, zero included."""
    if not isinstance(text, str):
        hint = ""
        if isinstance(text, int) and not isinstance(text, bool):
            hint = f" (give a unit: '{text}h', '{text}m' or '{text}bd')"
        raise SpecError(f"expected a duration {_EXAMPLES}, got {_describe(text)}{hint}")
    s = text.strip()
    if s.startswith("-"):
        raise SpecError(f"a duration cannot be negative, got {text!r}")
    m = _BUSINESS_DAYS_RE.match(s)
    if m is not None:
        days = int(m.group("n"))
        if days == 0:
            raise SpecError(f"a duration must be longer than zero, got {text!r}")
        return Duration(s, business_days=days)
    m = _DAYS_RE.match(s)
    if m is not None:
        n = m.group("n")
        raise SpecError(
            f"{text!r} is ambiguous: write business days as '{n}bd' "
            f"or exact time as '{int(n) * 24}h'"
        )
    if "bd" in s:
        raise SpecError(f"business days cannot be combined with other units, got {text!r}")
    time = _time(s)
    if time is None:
        raise SpecError(f"expected a duration {_EXAMPLES}, got {text!r}")
    if not time:
        raise SpecError(f"a duration must be longer than zero, got {text!r}")
    return Duration(s, time=time)


def parse_threshold(text: object) -> Threshold:
    """``"75%"`` -> ``Threshold("75%", fraction=0.75)``; ``"30m"`` -> ``Threshold("30m",
    lead=30m)``. A share must lie strictly between 0% and 100%; a lead time must be exact
    business time (not business days) and longer than zero."""
    if isinstance(text, float | int) and not isinstance(text, bool):
        raise SpecError(
            f"expected a share such as '75%' or a lead time such as '30m', got "
            f"{_describe(text)} (write a share as '75%')"
        )
    if not isinstance(text, str):
        raise SpecError(
            f"expected a share such as '75%' or a lead time such as '30m', got {_describe(text)}"
        )
    s = text.strip()
    if s.endswith("%"):
        try:
            percent = Decimal(s[:-1].strip())
        except InvalidOperation:
            raise SpecError(f"expected a share such as '75%', got {text!r}") from None
        if not percent.is_finite() or not 0 < percent < 100:
            raise SpecError(f"a share must lie between 0% and 100% (both excluded), got {text!r}")
        return Threshold(s, fraction=float(percent / 100))
    try:
        lead = parse_duration(s)
    except SpecError as exc:
        raise SpecError(
            f"expected a share such as '75%' or a lead time such as '30m': {exc.message}"
        ) from None
    if lead.time is None:
        raise SpecError(
            f"a lead time must be exact business time such as '30m' or '2h', "
            f"not business days, got {text!r}"
        )
    return Threshold(s, lead=lead.time)
