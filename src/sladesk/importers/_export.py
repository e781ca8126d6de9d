"""What a reader gives: the records of an export and the problems met reading it, plus the
helpers every reader shares (JSON lines and arrays with their line numbers, one record read
or turned into a problem, instants, attachments)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sladesk.services import (
    ImportedAttachment,
    ImportedOrganization,
    ImportedPerson,
    ImportedTicket,
)

#: one record of a JSON export
Record = dict[str, Any]
R = TypeVar("R")
T = TypeVar("T")


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


def read_all(
    rows: Iterable[tuple[str, R]],
    problems: list[Problem],
    what: str | Callable[[R], str],
    read: Callable[[R], T],
) -> Iterator[T]:
    """Each of ``rows`` (where, record) read by ``read``; a record it cannot read
    (:class:`BadRecord`) is a problem at its place, called ``what`` (or ``what(record)``)."""
    for where, row in rows:
        try:
            item = read(row)
        except BadRecord as exc:
            name = what if isinstance(what, str) else what(row)
            problems.append(Problem(where, f"{name} {exc}"))
            continue
        yield item


def read_json(
    path: Path,
    organizations: tuple[str, str, Callable[[Record], ImportedOrganization]],
    people: Sequence[tuple[str, str, Callable[[Record], ImportedPerson]]],
    ticket: Callable[[Record], ImportedTicket],
) -> Export:
    """An export of JSON files in the folder ``path``: the organisations' file and the
    people's files, each as (file name, what its record is called in a problem, the reader of
    one record), and ``tickets.json`` read by ``ticket``."""
    out = Export()
    name, what, organization = organizations
    out.organizations += read_all(records(path / name, out.problems), out.problems, what,
                                  organization)  # fmt: skip
    for name, what, person in people:
        out.people += read_all(records(path / name, out.problems), out.problems, what, person)
    out.tickets += read_all(records(path / "tickets.json", out.problems), out.problems,
                            lambda t: f"ticket {ident(t.get('id')) or '?'}:", ticket)  # fmt: skip
    return out


def attachments(items: Any, name_field: str) -> tuple[ImportedAttachment, ...]:
    """A message's attachments as the exporters list them (the file name under
    ``name_field``): their names, types and sizes (the content is not exported)."""
    return tuple(
        ImportedAttachment(
            str(x.get(name_field) or "file"),
            str(x.get("content_type") or "application/octet-stream"),
            int(x.get("size") or 0),
        )
        for x in items or []
    )


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
