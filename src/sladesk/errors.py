"""The one exception tree of sladesk.

Every error sladesk raises on purpose derives from :class:`SladeskError`, so adapters can turn
any of them into a clear message (CLI), a problem document (API) or a log line (jobs)::

    SladeskError
    ├── SpecError (ValueError)            bad input that names where: source, line, column, field
    │   ├── CalendarSpecError             a calendar spec that cannot be compiled
    │   ├── LimitError                    input refused unread: too large, too deeply nested,
    │   │                                 or using YAML anchors/aliases
    │   ├── PolicyError                   a policy file with one or more problems (all listed)
    │   └── ScenarioError                 a scenario file that cannot be read
    └── NaiveDatetimeError (ValueError)   a datetime without tzinfo where an instant is required

Messages say *what* and *where*; nothing here formats for a particular front end.
"""

from __future__ import annotations

from dataclasses import dataclass


class SladeskError(Exception):
    """Base of every error sladesk raises on purpose."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a source (file name or ``<spec>``), a 1-based line and column,
    and a field path such as ``calendars.support.hours.mon-fri[0]``."""

    source: str = "<spec>"
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}" if self.path else where


class SpecError(SladeskError, ValueError):
    """Bad input with a location. ``str()`` is ``"file:line:col: field.path: message"``."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.message = message
        self.location = location or Location()
        super().__init__(f"{self.location}: {message}")


class CalendarSpecError(SpecError):
    """A calendar spec that cannot be compiled (bad zone, bad range, unknown day...)."""


class LimitError(SpecError):
    """Input refused before it is read, because reading it could cost without bound: more
    text than the limit, collections nested too deep, YAML anchors and aliases (whose nested
    reuse expands a few hundred bytes into billions of values)."""


class ScenarioError(SpecError):
    """A scenario file (ticket facts, events, expectations) that cannot be read."""


class PolicyError(SladeskError, ValueError):
    """A policy file with problems; ``errors`` lists every one of them, not just the first."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = errors
        lines = "\n".join(str(e) for e in errors)
        super().__init__(f"{len(errors)} problem(s) in policy:\n{lines}")


class NaiveDatetimeError(SladeskError, ValueError):
    """A datetime without tzinfo was given where an instant is required."""

    def __init__(self, name: str, value: object) -> None:
        super().__init__(
            f"{name} must be timezone-aware (an instant), got naive datetime {value!r}"
        )
