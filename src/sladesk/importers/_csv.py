"""sladesk's own CSV layout, for every other help desk: a folder of UTF-8 CSV files with a
header row (docs/import.md has each column):

- ``organizations.csv``: ``id,name,plan,time_zone,locale``
- ``people.csv``: ``id,kind,name,email,organization_id,role,active,locale``
  (``kind`` contact | agent; ``active`` true | false)
- ``tickets.csv``: ``id,subject,created_at,requester_id,organization_id,status,priority,type,
  channel,tags`` (``status`` in sladesk's words; ``tags`` separated by spaces)
- ``changes.csv``: ``ticket_id,at,field,value,author_id,reason`` (``field`` status |
  priority | type | assignee)
- ``messages.csv``: ``id,ticket_id,at,author_id,public,body,body_html``

Every instant is ISO 8601 with its offset. A row that cannot be read is a problem at its
file and line; a ticket with such a change or message is left out whole.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from sladesk.importers._export import BadRecord, Export, Problem, instant, read_all, text
from sladesk.services import (
    ImportedChange,
    ImportedMessage,
    ImportedOrganization,
    ImportedPerson,
    ImportedTicket,
)

_TRUE = {"true", "yes", "1"}


def _rows(path: Path, problems: list[Problem]) -> Iterator[tuple[str, dict[str, str]]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            yield f"{path}:{reader.line_num}", {k: (v or "").strip() for k, v in row.items() if k}


def read_csv(path: Path) -> Export:
    out = Export()
    out.organizations += read_all(_rows(path / "organizations.csv", out.problems), out.problems,
                                  "organization", _organization)  # fmt: skip
    out.people += read_all(_rows(path / "people.csv", out.problems), out.problems, "person",
                           _person)  # fmt: skip
    broken: set[str] = set()
    changes: dict[str, list[ImportedChange]] = defaultdict(list)
    for where, r in _rows(path / "changes.csv", out.problems):
        ticket = r.get("ticket_id", "")
        try:
            changes[ticket].append(
                ImportedChange(
                    instant(r.get("at"), "at"),
                    text(r.get("field"), "field"),
                    r.get("value") or None,
                    r.get("author_id") or None,
                    r.get("reason") or None,
                )  # fmt: skip
            )
        except BadRecord as exc:
            broken.add(ticket)
            out.problems.append(Problem(where, f"change of ticket {ticket}: {exc}"))
    messages: dict[str, list[ImportedMessage]] = defaultdict(list)
    for where, r in _rows(path / "messages.csv", out.problems):
        ticket = r.get("ticket_id", "")
        try:
            messages[ticket].append(
                ImportedMessage(
                    external_id=f"csv:{text(r.get('id'), 'id')}",
                    at=instant(r.get("at"), "at"),
                    author_id=r.get("author_id") or None,
                    public=(r.get("public") or "true").lower() in _TRUE,
                    body=text(r.get("body"), "body"),
                    body_html=r.get("body_html") or None,
                )  # fmt: skip
            )
        except BadRecord as exc:
            broken.add(ticket)
            out.problems.append(Problem(where, f"message of ticket {ticket}: {exc}"))

    def read_ticket(r: dict[str, str]) -> ImportedTicket:
        ticket = text(r.get("id"), "id")
        if ticket in broken:
            raise BadRecord("id", "left out: one of its changes or messages cannot be read")
        return ImportedTicket(
            external_id=ticket,
            subject=text(r.get("subject"), "subject"),
            created_at=instant(r.get("created_at"), "created_at"),
            requester_id=r.get("requester_id") or None,
            organization_id=r.get("organization_id") or None,
            status=text(r.get("status"), "status"),
            priority=r.get("priority") or None,
            type=r.get("type") or None,
            channel=r.get("channel") or "import",
            tags=tuple((r.get("tags") or "").split()),
            changes=tuple(changes.get(ticket, ())),
            messages=tuple(messages.get(ticket, ())),
        )

    out.tickets += read_all(_rows(path / "tickets.csv", out.problems), out.problems, "ticket",
                            read_ticket)  # fmt: skip
    return out


def _organization(r: dict[str, str]) -> ImportedOrganization:
    return ImportedOrganization(
        text(r.get("id"), "id"),
        text(r.get("name"), "name"),
        plan=r.get("plan") or None,
        time_zone=r.get("time_zone") or "UTC",
        locale=r.get("locale") or "en",
    )


def _person(r: dict[str, str]) -> ImportedPerson:
    kind = r.get("kind") or "contact"
    if kind not in ("contact", "agent"):
        raise BadRecord("kind", f"contact or agent, not {kind!r}")
    return ImportedPerson(
        external_id=text(r.get("id"), "id"),
        kind=kind,
        name=text(r.get("name"), "name"),
        email=text(r.get("email"), "email"),
        organization_id=r.get("organization_id") or None,
        role=r.get("role") or "agent",
        active=(r.get("active") or "true").lower() in _TRUE,
        locale=r.get("locale") or None,
    )
