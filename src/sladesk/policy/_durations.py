"""Warning thresholds as people write them in a policy file: ``75%`` (share of the target
used) or a lead time such as ``30m``. Target durations (``45m``, ``1bd``) are
:func:`sladesk.calendar.parse_duration`'s, the one grammar for calendars and policies.
Errors carry no location; the loader places them in the file.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sladesk.calendar import parse_duration
from sladesk.errors import SpecError
from sladesk.policy._model import Threshold
from sladesk.yaml_source import describe


def parse_threshold(text: object) -> Threshold:
    """``"75%"`` -> ``Threshold("75%", fraction=0.75)``; ``"30m"`` -> ``Threshold("30m",
    lead=30m)``. A share must lie strictly between 0% and 100%; a lead time must be exact
    business time (not business days) and longer than zero."""
    if isinstance(text, float | int) and not isinstance(text, bool):
        raise SpecError(
            f"expected a share such as '75%' or a lead time such as '30m', got "
            f"{describe(text)} (write a share as '75%')"
        )
    if not isinstance(text, str):
        raise SpecError(
            f"expected a share such as '75%' or a lead time such as '30m', got {describe(text)}"
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
