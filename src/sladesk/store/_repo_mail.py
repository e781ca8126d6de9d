"""The e-mail channel's statements (``store/_tables_mail.py``): the raw message stored
first and de-duplicated by Message-ID, threading lookups, who an address is, bouncing
addresses. Plain values in and out; the intake service (``services/_mail.py``) decides."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    Table,
    bindparam,
    column,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sladesk.store._db import Repository
from sladesk.store._plain import plain
from sladesk.store._tables import Agent, Contact, Organization, Ticket
from sladesk.store._tables_mail import MailAddress, MailMessage

__all__ = ["BouncingAddress", "MailPerson", "MailRecord", "MailRepository"]

_MAIL = cast(Table, MailMessage.__table__)
_ADDRESSES = cast(Table, MailAddress.__table__)
_CONTACTS = cast(Table, Contact.__table__)
_AGENTS = cast(Table, Agent.__table__)
_TICKETS = cast(Table, Ticket.__table__)
_ORGANIZATIONS = cast(Table, Organization.__table__)


@dataclass(frozen=True, slots=True)
class MailRecord:
    id: int
    message_id: str
    direction: str
    status: str
    ticket_id: int | None
    ticket_message_id: int | None
    author: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MailPerson:
    """Who an address is: an agent or a contact (with organisation and role)."""

    kind: str  # agent | contact
    id: int
    name: str
    active: bool
    organization_id: int | None = None
    role: str | None = None
    locale: str | None = None
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class BouncingAddress:
    """An address marked bouncing, with the last delivery report's reason, and who it is."""

    address: str
    bouncing_since: datetime
    bounces: int
    last_bounce: str | None
    updated_at: datetime
    contact_id: int | None
    contact_name: str | None
    agent_id: int | None
    agent_name: str | None


def _record(row: Any) -> MailRecord:
    return MailRecord(row.id, row.message_id, row.direction, row.status, row.ticket_id,
                      row.ticket_message_id, row.author, row.created_at)  # fmt: skip


_RECORD_COLUMNS = (
    _MAIL.c.id, _MAIL.c.message_id, _MAIL.c.direction, _MAIL.c.status, _MAIL.c.ticket_id,
    _MAIL.c.ticket_message_id, _MAIL.c.author, _MAIL.c.created_at,
)  # fmt: skip


# the intake's fixed statements (each message: add, sender, update) are sent plainly on the
# driver's cursor (``store/_plain.py``): SQLAlchemy's Python around each cost more than them
_ADD_SQLITE = plain(
    sqlite_insert(_MAIL).on_conflict_do_nothing(index_elements=["message_id"]).returning(_MAIL.c.id)
)
_ADD_POSTGRESQL = plain(
    pg_insert(_MAIL).on_conflict_do_nothing(index_elements=["message_id"]).returning(_MAIL.c.id)
)


_FIND = select(*_RECORD_COLUMNS).where(_MAIL.c.message_id == bindparam("message_id"))
_UPDATE = plain(update(_MAIL).where(_MAIL.c.id == bindparam("record_id")))
_AGENT = select(_AGENTS.c.id, _AGENTS.c.name, _AGENTS.c.active, _AGENTS.c.role).where(
    func.lower(_AGENTS.c.email) == bindparam("address")
)
_CONTACT = (
    select(
        _CONTACTS.c.id, _CONTACTS.c.name, _CONTACTS.c.active,
        _CONTACTS.c.organization_id, _CONTACTS.c.locale,
        _ORGANIZATIONS.c.locale.label("org_locale"), _ORGANIZATIONS.c.time_zone,
    )
    .join_from(_CONTACTS, _ORGANIZATIONS, _ORGANIZATIONS.c.id == _CONTACTS.c.organization_id)
    .where(func.lower(_CONTACTS.c.email) == bindparam("address"))
)  # fmt: skip


def _none(type_: Any) -> Any:
    return sql_cast(null(), type_)


#: who an address is (an agent first, then a contact) and, as a third kind of row, how many
#: messages it sent since ``since`` (machine mail not counted), in **one** statement: the
#: intake asks all three of every message, and each statement costs more in SQLAlchemy and
#: the driver than these indexed lookups cost in the database (docs/performance.md)
_SENDER_PARTS = (
    select(literal("agent").label("kind"), _AGENTS.c.id, _AGENTS.c.name, _AGENTS.c.active,
           _none(_CONTACTS.c.organization_id.type).label("organization_id"),
           _AGENTS.c.role, _none(String()).label("locale"), _none(String()).label("org_locale"),
           _none(String()).label("time_zone"))
    .where(func.lower(_AGENTS.c.email) == bindparam("address")),
    select(literal("contact"), _CONTACTS.c.id, _CONTACTS.c.name, _CONTACTS.c.active,
           _CONTACTS.c.organization_id, _none(String()), _CONTACTS.c.locale,
           _ORGANIZATIONS.c.locale, _ORGANIZATIONS.c.time_zone)
    .join_from(_CONTACTS, _ORGANIZATIONS, _ORGANIZATIONS.c.id == _CONTACTS.c.organization_id)
    .where(func.lower(_CONTACTS.c.email) == bindparam("address")),
    select(literal("count"), sql_cast(func.count(), Integer), _none(String()), _none(Boolean()),
           _none(_CONTACTS.c.organization_id.type), _none(String()), _none(String()),
           _none(String()), _none(String()))
    .select_from(_MAIL)
    .where(_MAIL.c.sender == bindparam("sender"), _MAIL.c.direction == "in",
           _MAIL.c.created_at >= bindparam("since", type_=_MAIL.c.created_at.type),
           _MAIL.c.status != "auto_reply", _MAIL.c.status != "bounce"),
)  # fmt: skip
_SENDER = plain(union_all(*_SENDER_PARTS))


def _thread_part(ids: Any) -> Any:
    """The fourth kind of row: the ticket of each of the Message-IDs (a JSON array) that we
    know, with its Message-ID (``ids``: the driver's way to read the array as rows)."""
    return (
        select(literal("thread"), _MAIL.c.ticket_id, _MAIL.c.message_id, _none(Boolean()),
               _none(_CONTACTS.c.organization_id.type), _none(String()), _none(String()),
               _none(String()), _none(String()))
        .where(ids, _MAIL.c.ticket_id.is_not(None))
    )  # fmt: skip


#: :data:`_SENDER` and, for a reply, the thread lookup (:meth:`MailRepository.ticket_of`) in
#: the same statement: one round trip less a reply; the Message-IDs as one JSON array (a
#: fixed statement, unlike an expanding ``IN``, so it is sent plainly)
_SENDER_AND_THREAD = {
    # = ANY(ARRAY(…)): the array built once, then the unique index probed for each element
    # (an IN over the set-returning function is planned as a join, a scan of the table)
    "postgresql": plain(union_all(*_SENDER_PARTS, _thread_part(text(
        "mail_messages.message_id = "
        "ANY(ARRAY(SELECT jsonb_array_elements_text(CAST(:thread AS JSONB))))"
    ).bindparams(bindparam("thread", type_=String()))))),
    "sqlite": plain(union_all(*_SENDER_PARTS, _thread_part(_MAIL.c.message_id.in_(
        select(column("value")).select_from(func.json_each(bindparam("thread", type_=String())))
    )))),
}  # fmt: skip


class MailRepository(Repository):
    def find(self, message_id: str) -> MailRecord | None:
        row = self.db.execute(_FIND, {"message_id": message_id}).first()
        return None if row is None else _record(row)

    def add(self, values: dict[str, Any]) -> int | None:
        """Insert a row; None when its Message-ID is there already (``ON CONFLICT DO
        NOTHING``: no error, so the transaction stays usable without a savepoint; on
        PostgreSQL a twin delivery's uncommitted row makes this wait for its outcome)."""
        stmt = _ADD_SQLITE if self.db.dialect == "sqlite" else _ADD_POSTGRESQL
        id_ = self.db.run(stmt, values).scalar()
        return None if id_ is None else int(id_)

    def update(self, id_: int, **values: Any) -> None:
        self.db.run(_UPDATE, {"record_id": id_, **values})

    def update_later(self, id_: int, **values: Any) -> None:
        """:meth:`update`, held on PostgreSQL until the next statement or the commit, as a
        part of the held inserts' one statement (``Db.update_later``): the intake marks its
        raw row last and reads nothing back."""
        self.db.update_later(_UPDATE, {"record_id": id_, **values}, _MAIL, ("id", "record_id"))

    def ticket_of(self, message_ids: tuple[str, ...]) -> int | None:
        """The ticket of the nearest of ``message_ids`` (nearest first) that we know."""
        if not message_ids:
            return None
        rows = self.db.execute(
            select(_MAIL.c.message_id, _MAIL.c.ticket_id).where(
                _MAIL.c.message_id.in_(message_ids), _MAIL.c.ticket_id.is_not(None)
            )
        ).all()
        found = {r.message_id: r.ticket_id for r in rows}
        return next((int(found[m]) for m in message_ids if m in found), None)

    def message_ids_of_ticket(self, ticket_id: int) -> list[str]:
        """The Message-IDs of a ticket's mail, oldest first (for References)."""
        return list(
            self.db.execute(
                select(_MAIL.c.message_id)
                .where(_MAIL.c.ticket_id == ticket_id)
                .order_by(_MAIL.c.created_at, _MAIL.c.id)
            ).scalars()
        )

    def last_inbound(self, ticket_id: int) -> str | None:
        """The Message-ID of the newest mail received on the ticket."""
        row = self.db.execute(
            select(_MAIL.c.message_id)
            .where(_MAIL.c.ticket_id == ticket_id, _MAIL.c.direction == "in")
            .order_by(_MAIL.c.created_at.desc(), _MAIL.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else str(row[0])

    def ticket_by_number(self, number: int) -> int | None:
        row = self.db.execute(select(_TICKETS.c.id).where(_TICKETS.c.number == number)).first()
        return None if row is None else int(row[0])

    def sender(self, address: str, since: datetime) -> tuple[MailPerson | None, int]:
        """:meth:`person` of ``address``, and how many messages it sent us since ``since``
        (machine mail not counted; the acknowledgements' limit), in one statement."""
        person, count, _ = self.sender_and_thread(address, since, ())
        return person, count

    def sender_and_thread(
        self, address: str, since: datetime, message_ids: tuple[str, ...]
    ) -> tuple[MailPerson | None, int, int | None]:
        """:meth:`sender`, and :meth:`ticket_of` ``message_ids``, in one statement."""
        params: dict[str, Any] = {"address": address.lower(), "sender": address, "since": since}
        if message_ids:
            params["thread"] = json.dumps(message_ids)
            statement = _SENDER_AND_THREAD[self.db.dialect]
        else:
            statement = _SENDER
        rows = self.db.run(statement, params).all()
        ticket_id = None
        if message_ids:
            found = {r[2]: r[1] for r in rows if r[0] == "thread"}
            ticket_id = next((int(found[m]) for m in message_ids if m in found), None)
        person, count = self._sender(rows)
        return person, count, ticket_id

    @staticmethod
    def _sender(rows: Any) -> tuple[MailPerson | None, int]:
        # kind, id, name, active, organization_id, role, locale, org_locale, time_zone
        count = next((int(r[1]) for r in rows if r[0] == "count"), 0)
        found = next((r for r in rows if r[0] == "agent"), None) or next(
            (r for r in rows if r[0] == "contact"), None
        )
        if found is None:
            return None, count
        kind, id_, name, active, organization_id, role, locale, org_locale, zone = found
        if kind == "agent":
            return MailPerson("agent", id_, name, bool(active), role=role), count
        return MailPerson(
            "contact", id_, name, bool(active), organization_id=organization_id,
            locale=locale or org_locale, time_zone=zone,
        ), count  # fmt: skip

    def person(self, address: str) -> MailPerson | None:
        """The agent or else the contact whose address is ``address`` (case-insensitive)."""
        agent = self.db.execute(_AGENT, {"address": address.lower()}).first()
        if agent is not None:
            return MailPerson("agent", agent.id, agent.name, bool(agent.active), role=agent.role)
        return self.contact(address)

    def contact(self, address: str) -> MailPerson | None:
        """The contact whose address is ``address`` (case-insensitive), with the locale and
        zone mail to them is written in."""
        contact = self.db.execute(_CONTACT, {"address": address.lower()}).first()
        if contact is None:
            return None
        return MailPerson(
            "contact", contact.id, contact.name, bool(contact.active),
            organization_id=contact.organization_id,
            locale=contact.locale or contact.org_locale, time_zone=contact.time_zone,
        )  # fmt: skip

    def organizations_of_domain(self, domain: str) -> list[int]:
        """The organisations whose contacts write from ``domain``."""
        return sorted(
            int(i)
            for i in self.db.execute(
                select(_CONTACTS.c.organization_id)
                .where(func.lower(_CONTACTS.c.email).like(f"%@{domain.lower()}"))
                .distinct()
            ).scalars()
        )

    def mark_bouncing(self, address: str, reason: str, now: datetime) -> None:
        address = address.lower()
        row = self.db.execute(
            select(_ADDRESSES.c.bounces).where(_ADDRESSES.c.address == address)
        ).first()
        if row is None:
            self.db.execute(
                insert(_ADDRESSES),
                {"address": address, "bouncing_since": now, "bounces": 1,
                 "last_bounce": reason[:2000], "updated_at": now},
            )  # fmt: skip
            return
        self.db.execute(
            update(_ADDRESSES)
            .where(_ADDRESSES.c.address == address)
            .values(bounces=_ADDRESSES.c.bounces + 1, last_bounce=reason[:2000], updated_at=now,
                    bouncing_since=func.coalesce(_ADDRESSES.c.bouncing_since, now))
        )  # fmt: skip

    def outgoing(self, message_id: str) -> tuple[str, int] | None:
        """The status of a message we send or sent, and how many times it was handed to
        SMTP (``details.attempts``)."""
        row = self.db.execute(
            select(_MAIL.c.status, _MAIL.c.details).where(
                _MAIL.c.message_id == message_id, _MAIL.c.direction == "out"
            )
        ).first()
        if row is None:
            return None
        details = row.details if isinstance(row.details, dict) else {}
        return str(row.status), int(details.get("attempts", 1))

    def set_outgoing(self, message_id: str, now: datetime, **values: Any) -> None:
        self.db.execute(
            update(_MAIL)
            .where(_MAIL.c.message_id == message_id, _MAIL.c.direction == "out")
            .values(processed_at=now, **values)
        )

    def automatic_sent_to(self, address: str, since: datetime) -> int:
        """How many automatic messages went (or are going) to ``address`` since ``since``."""
        return int(
            self.db.execute(
                select(func.count()).select_from(_MAIL).where(
                    _MAIL.c.rcpt == address.lower(), _MAIL.c.direction == "out",
                    _MAIL.c.automatic.is_(True), _MAIL.c.created_at >= since,
                    _MAIL.c.status.in_(("sending", "sent")),
                )
            ).scalar_one()
        )  # fmt: skip

    def listing(
        self,
        *,
        status: str | None,
        direction: str | None,
        limit: int,
        ticket_id: int | None = None,
        address: str | None = None,
    ) -> list[dict[str, Any]]:
        """The newest records (without raw bytes), for the admins: of one ticket, or from or
        to one address (the sender of mail in, the recipient of mail out), if asked."""
        query = select(
            _MAIL.c.id, _MAIL.c.message_id, _MAIL.c.direction, _MAIL.c.status, _MAIL.c.mailbox,
            _MAIL.c.sender, _MAIL.c.rcpt, _MAIL.c.subject, _MAIL.c.ticket_id, _MAIL.c.size,
            _MAIL.c.details, _MAIL.c.created_at, _TICKETS.c.number.label("ticket_number"),
        ).join_from(_MAIL, _TICKETS, _TICKETS.c.id == _MAIL.c.ticket_id, isouter=True)  # fmt: skip
        if status is not None:
            query = query.where(_MAIL.c.status == status)
        if direction is not None:
            query = query.where(_MAIL.c.direction == direction)
        if ticket_id is not None:
            query = query.where(_MAIL.c.ticket_id == ticket_id)
        if address is not None:  # both are stored lower-cased (``ix_…_sender/rcpt_created_at``)
            wanted = address.strip().lower()
            query = query.where(or_(_MAIL.c.sender == wanted, _MAIL.c.rcpt == wanted))
        rows = self.db.execute(query.order_by(_MAIL.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]

    def bouncing_addresses(self, limit: int) -> list[BouncingAddress]:
        """The addresses marked bouncing, the newest bounce first, with the contact or agent
        each one is (if any)."""
        rows = self.db.execute(
            select(
                _ADDRESSES.c.address, _ADDRESSES.c.bouncing_since, _ADDRESSES.c.bounces,
                _ADDRESSES.c.last_bounce, _ADDRESSES.c.updated_at,
                _CONTACTS.c.id.label("contact_id"), _CONTACTS.c.name.label("contact_name"),
                _AGENTS.c.id.label("agent_id"), _AGENTS.c.name.label("agent_name"),
            )
            .join_from(_ADDRESSES, _CONTACTS, func.lower(_CONTACTS.c.email) == _ADDRESSES.c.address,
                       isouter=True)
            .join(_AGENTS, func.lower(_AGENTS.c.email) == _ADDRESSES.c.address, isouter=True)
            .where(_ADDRESSES.c.bouncing_since.is_not(None))
            .order_by(_ADDRESSES.c.updated_at.desc(), _ADDRESSES.c.address)
            .limit(limit)
        )  # fmt: skip
        return [BouncingAddress(**r._mapping) for r in rows]

    def clear_bouncing(self, address: str, now: datetime) -> tuple[int, str | None] | None:
        """Take the bouncing mark off ``address`` (its bounce count and last reason stay, for
        the record); its count and last reason, or None when it was not marked."""
        address = address.strip().lower()
        row = self.db.execute(
            select(_ADDRESSES.c.bounces, _ADDRESSES.c.last_bounce).where(
                _ADDRESSES.c.address == address, _ADDRESSES.c.bouncing_since.is_not(None)
            )
        ).first()
        if row is None:
            return None
        self.db.execute(
            update(_ADDRESSES).where(_ADDRESSES.c.address == address)
            .values(bouncing_since=None, updated_at=now)
        )  # fmt: skip
        return int(row.bounces), row.last_bounce

    def bouncing(self, address: str) -> bool:
        row = self.db.execute(
            select(_ADDRESSES.c.bouncing_since).where(_ADDRESSES.c.address == address.lower())
        ).first()
        return row is not None and row[0] is not None
