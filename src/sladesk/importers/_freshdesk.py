"""Freshdesk's export: a folder with ``companies.json``, ``contacts.json``, ``agents.json``
and ``tickets.json`` as the Freshdesk API v2 returns them (JSON arrays, or one object per
line), each ticket with its ``conversations`` (``/api/v2/tickets/{id}/conversations``) and
its ``activities`` (the ticket activity export: ``performed_at``, ``performer_id`` and the
``changes`` made — ``status``, ``priority``, ``ticket_type``, ``responder_id``).

Mapped: status ``2 Open, 3 Pending, 4 Resolved, 5 Closed`` (numbers or names) -> ``open
pending_customer solved closed``; priority ``1 Low, 2 Medium, 3 High, 4 Urgent`` -> ``low
medium high urgent``; source ``1 email, 2 portal, 3 phone, 7 chat, 9 feedback widget, 10
outbound email, 13 WhatsApp`` -> email, portal, phone, chat, portal, email, whatsapp; the
ticket's ``description`` is its first message, by the requester; a conversation is a
public reply or (``private: true``) an internal note by its ``user_id``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sladesk.importers._export import (
    BadRecord,
    Export,
    Record,
    attachments,
    ident,
    instant,
    read_json,
    text,
)
from sladesk.services import (
    ImportedChange,
    ImportedMessage,
    ImportedOrganization,
    ImportedPerson,
    ImportedTicket,
)

STATUSES = {"2": "open", "3": "pending_customer", "4": "solved", "5": "closed",
            "open": "open", "pending": "pending_customer", "resolved": "solved",
            "closed": "closed"}  # fmt: skip
PRIORITIES = {"1": "low", "2": "medium", "3": "high", "4": "urgent"}
SOURCES = {"1": "email", "2": "portal", "3": "phone", "7": "chat", "9": "portal", "10": "email",
           "13": "whatsapp"}  # fmt: skip


def read_freshdesk(path: Path) -> Export:
    return read_json(path, ("companies.json", "company", _company),
                     [("contacts.json", "contact", _contact), ("agents.json", "agent", _agent)],
                     _ticket)  # fmt: skip


def _company(c: Record) -> ImportedOrganization:
    fields = c.get("custom_fields") or {}
    return ImportedOrganization(
        text(ident(c.get("id")), "id"),
        text(c.get("name"), "name"),
        plan=fields.get("plan") or None,
    )


def _contact(p: Record) -> ImportedPerson:
    return ImportedPerson(
        external_id=text(ident(p.get("id")), "id"),
        kind="contact",
        name=text(p.get("name"), "name"),
        email=text(p.get("email"), "email"),
        organization_id=ident(p.get("company_id")),
        active=not p.get("deleted", False) and p.get("active", True) is not False,
        locale=(p.get("language") or "").split("-")[0] or None,
    )


def _agent(a: Record) -> ImportedPerson:
    who = a.get("contact") or {}
    return ImportedPerson(
        external_id=text(ident(a.get("id")), "id"),
        kind="agent",
        name=text(who.get("name"), "contact.name"),
        email=text(who.get("email"), "contact.email"),
        active=who.get("active", True) is not False,
    )


def _id(record: Record, field_name: str) -> str:
    return text(ident(record.get("id")), field_name)


def _status(value: Any, field_name: str) -> str:
    status = STATUSES.get(str(value).lower())
    if status is None:
        raise BadRecord(field_name, f"unknown status {value!r}")
    return status


def _ticket(t: Record) -> ImportedTicket:
    external_id = text(ident(t.get("id")), "id")
    created = instant(t.get("created_at"), "created_at")
    requester = ident(t.get("requester_id"))
    messages = [
        ImportedMessage(
            f"freshdesk:{external_id}:description",
            created,
            requester,
            True,
            str(t.get("description_text") or t.get("description") or ""),
            body_html=t.get("description") or None,
        )  # fmt: skip
    ]
    for n, c in enumerate(t.get("conversations") or []):
        messages.append(
            ImportedMessage(
                external_id=f"freshdesk:{external_id}:{_id(c, f'conversations[{n}].id')}",
                at=instant(c.get("created_at"), f"conversations[{n}].created_at"),
                author_id=ident(c.get("user_id")),
                public=not c.get("private", False),
                body=str(c.get("body_text") or ""),
                body_html=c.get("body") or None,
                attachments=attachments(c.get("attachments"), "name"),
            )  # fmt: skip
        )
    changes = []
    for n, act in enumerate(t.get("activities") or []):
        at = instant(act.get("performed_at"), f"activities[{n}].performed_at")
        by = ident(act.get("performer_id"))
        for name, value in (act.get("changes") or {}).items():
            if name == "status":
                changes.append(ImportedChange(at, "status", _status(value, f"activities[{n}]"), by))
            elif name == "priority":
                priority = PRIORITIES.get(str(value), str(value))
                changes.append(ImportedChange(at, "priority", priority, by))
            elif name == "ticket_type" and value:
                changes.append(ImportedChange(at, "type", str(value).lower(), by))
            elif name == "responder_id" and value:
                changes.append(ImportedChange(at, "assignee", str(value), by))
    if not any(c.field == "status" for c in changes):
        changes.insert(0, ImportedChange(created, "status", "open", requester))
    type_ = t.get("type")
    return ImportedTicket(
        external_id=external_id, subject=str(t.get("subject") or ""), created_at=created,
        requester_id=requester, organization_id=ident(t.get("company_id")),
        status=_status(t.get("status", 2), "status"),
        priority=PRIORITIES.get(str(t.get("priority"))),
        type=str(type_).lower() if type_ else None,
        channel=SOURCES.get(str(t.get("source")), "import"), tags=tuple(t.get("tags") or ()),
        changes=tuple(changes), messages=tuple(messages),
    )  # fmt: skip
