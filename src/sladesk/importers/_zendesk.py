"""Zendesk's export: a folder with ``organizations.json``, ``users.json`` and
``tickets.json``, one object per line as Zendesk's JSON export writes them (or arrays), each
ticket with its ``comments`` and ``audits`` as the Support API returns them
(``/api/v2/tickets/{id}/comments``, ``/audits``).

Mapped: statuses ``new open pending hold solved closed`` -> ``new open pending_customer
on_hold solved closed``; ``via.channel`` ``email web api voice chat`` -> ``email portal
portal phone chat``; users' ``role`` ``end-user`` -> contact, ``agent``/``admin`` -> agent
(admin keeps admin); audits' ``Change``/``Create`` events of ``status``, ``priority``,
``type`` and ``assignee_id`` -> the ticket's history; comments -> public replies or internal
notes (``public: false``) by their authors, HTML kept (cleaned on import). A comment by a
user not in ``users.json`` (deleted) is kept as "(deleted user)". A ticket closed by a merge
(tag ``closed_by_merge``) says into which ticket when its comment does.
"""

from __future__ import annotations

import re
from pathlib import Path

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

STATUSES = {"new": "new", "open": "open", "pending": "pending_customer", "hold": "on_hold",
            "solved": "solved", "closed": "closed"}  # fmt: skip
CHANNELS = {"email": "email", "web": "portal", "api": "portal", "voice": "phone",
            "chat": "chat", "native_messaging": "chat", "whatsapp": "whatsapp"}  # fmt: skip
_MERGED = re.compile(r"merged into (?:request|ticket) #(\d+)", re.IGNORECASE)


def read_zendesk(path: Path) -> Export:
    return read_json(path, ("organizations.json", "organization", _organization),
                     [("users.json", "user", _user)], _ticket)  # fmt: skip


def _organization(o: Record) -> ImportedOrganization:
    fields = o.get("organization_fields") or {}
    return ImportedOrganization(
        external_id=text(ident(o.get("id")), "id"),
        name=text(o.get("name"), "name"),
        plan=fields.get("plan") or None,
    )


def _user(u: Record) -> ImportedPerson:
    role = u.get("role") or "end-user"
    return ImportedPerson(
        external_id=text(ident(u.get("id")), "id"),
        kind="contact" if role == "end-user" else "agent",
        name=text(u.get("name"), "name"),
        email=text(u.get("email"), "email"),
        organization_id=ident(u.get("organization_id")),
        role="admin" if role == "admin" else "agent",
        active=bool(u.get("active", True)) and not u.get("suspended", False),
        locale=(u.get("locale") or "").split("-")[0] or None,
    )


def _comment_id(comment: Record, n: int) -> str:
    return text(ident(comment.get("id")), f"comments[{n}].id")


def _ticket(t: Record) -> ImportedTicket:
    external_id = text(ident(t.get("id")), "id")
    created = instant(t.get("created_at"), "created_at")
    changes: list[ImportedChange] = []
    for a, audit in enumerate(t.get("audits") or []):
        at = instant(audit.get("created_at"), f"audits[{a}].created_at")
        author = ident(audit.get("author_id"))
        for event in audit.get("events") or []:
            if event.get("type") not in ("Change", "Create"):
                continue
            name, value = event.get("field_name"), event.get("value")
            if name == "status":
                status = STATUSES.get(str(value))
                if status is None:
                    raise BadRecord(f"audits[{a}] status", f"unknown status {value!r}")
                if not (event.get("type") == "Create" and status == "new"):
                    changes.append(ImportedChange(at, "status", status, author))
            elif name == "priority" and value:
                changes.append(ImportedChange(at, "priority", str(value), author))
            elif name == "type" and value:
                changes.append(ImportedChange(at, "type", str(value), author))
            elif name == "assignee_id" and value:
                changes.append(ImportedChange(at, "assignee", str(value), author))
    messages = []
    merged_into = None
    for c, comment in enumerate(t.get("comments") or []):
        body = comment.get("plain_body") or comment.get("body") or ""
        match = _MERGED.search(body)
        if match and "closed_by_merge" in (t.get("tags") or []):
            merged_into = match.group(1)
        messages.append(
            ImportedMessage(
                external_id=f"zendesk:{external_id}:{_comment_id(comment, c)}",
                at=instant(comment.get("created_at"), f"comments[{c}].created_at"),
                author_id=ident(comment.get("author_id")),
                public=bool(comment.get("public", True)),
                body=body,
                body_html=comment.get("html_body") or None,
                attachments=attachments(comment.get("attachments"), "file_name"),
            )  # fmt: skip
        )
    if not messages and t.get("description"):
        messages.append(ImportedMessage(f"zendesk:{external_id}:description", created,
                                        ident(t.get("requester_id")), True,
                                        str(t["description"])))  # fmt: skip
    status = STATUSES.get(str(t.get("status") or "new"))
    if status is None:
        raise BadRecord("status", f"unknown status {t.get('status')!r}")
    via = (t.get("via") or {}).get("channel")
    return ImportedTicket(
        external_id=external_id, subject=str(t.get("subject") or t.get("raw_subject") or ""),
        created_at=created, requester_id=ident(t.get("requester_id")),
        organization_id=ident(t.get("organization_id")), status=status,
        priority=t.get("priority") or None, type=t.get("type") or None,
        channel=CHANNELS.get(str(via), "import"), tags=tuple(t.get("tags") or ()),
        changes=tuple(changes), messages=tuple(messages), merged_into=merged_into,
    )  # fmt: skip
