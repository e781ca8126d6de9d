"""What a reader gives: the records of an export and the problems met reading it, plus the
helpers every reader shares (JSON lines and arrays with their line numbers, instants)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sladesk.services import ImportedOrganization, ImportedPerson, ImportedTicket


@dataclass(frozen=True, slots=True)
class Problem:
    """A record that could not be read: where (file:line) and what (field: why)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(slots=True)
class Export:
    organizations: list[ImportedOrganization] = field(default_factory=list)
    people: list[ImportedPerson] = field(default_factory=list)
    tickets: list[ImportedTicket] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class BadRecord(Exception):
    """A field of a record that cannot be read (the reader turns it into a Problem)."""

    def __init__(self, field_name: str, why: str) -> None:
        super().__init__(f"{field_name}: {why}")


def records(path: Path, problems: list[Problem]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The objects of a JSON file, each with where it is (``file:line``): a JSON array
    (Freshdesk, an API dump) or one object per line (Zendesk's export). A missing file is
    no records; a line that is not JSON is a problem."""
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"{path}:{exc.lineno}", f"not JSON: {exc.msg}"))
            return
        for i, item in enumerate(items, 1):
            if isinstance(item, dict):
                yield f"{path}[{i}]", item
            else:
                problems.append(Problem(f"{path}[{i}]", "not an object"))
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"{path}:{n}", f"not JSON: {exc.msg}"))
            continue
        if isinstance(item, dict):
            yield f"{path}:{n}", item
        else:
            problems.append(Problem(f"{path}:{n}", "not an object"))


def instant(value: Any, field_name: str) -> datetime:
    """An ISO 8601 instant with its offset (``Z`` or ``+hh:mm``)."""
    if not isinstance(value, str) or not value:
        raise BadRecord(field_name, "missing")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(field_name, f"not an ISO 8601 instant: {value!r}") from None
    if at.tzinfo is None:
        raise BadRecord(field_name, f"an instant needs its UTC offset: {value!r}")
    return at


def text(value: Any, field_name: str, *, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRecord(field_name, "missing")
        return ""
    return str(value)


def ident(value: Any) -> str | None:
    """An id as text (exporters write numbers), None when absent."""
    if value is None or value == "":
        return None
    return str(value)
