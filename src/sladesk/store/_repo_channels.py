"""The chat channels' statements (``store/_tables_channels.py``): who an address is, the
conversation's ticket, our messages' identity and delivery status. Plain values in and
out; the services (``services/_whatsapp.py``) decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update

from sladesk.store._db import Repository
from sladesk.store._tables import Contact, Message, Organization, Ticket
from sladesk.store._tables_channels import ChannelAddress, ChannelDelivery, ChannelTemplate

__all__ = ["ChannelAddressRow", "ChannelDeliveryRow", "ChannelRepository", "ChannelTemplateRow"]

_ADDRESSES = cast(Table, ChannelAddress.__table__)
_DELIVERIES = cast(Table, ChannelDelivery.__table__)
_TEMPLATES = cast(Table, ChannelTemplate.__table__)
_MESSAGES = cast(Table, Message.__table__)
_TICKETS = cast(Table, Ticket.__table__)
_CONTACTS = cast(Table, Contact.__table__)
_ORGANIZATIONS = cast(Table, Organization.__table__)


@dataclass(frozen=True, slots=True)
class ChannelAddressRow:
    id: int
    channel: str
    address: str
    contact_id: int | None
    name: str
    ticket_id: int | None
    last_inbound_at: datetime | None


@dataclass(frozen=True, slots=True)
class ChannelDeliveryRow:
    id: int
    channel: str
    outbox_key: str
    ticket_id: int | None
    message_id: int | None
    recipient: str
    external_id: str | None
    status: str
    error: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ChannelTemplateRow:
    name: str
    language: str
    category: str
    body: str
    parameters: dict[str, Any]
    fetched_at: datetime


def _address(row: Any) -> ChannelAddressRow:
    return ChannelAddressRow(row.id, row.channel, row.address, row.contact_id, row.name,
                             row.ticket_id, row.last_inbound_at)  # fmt: skip


def _delivery(row: Any) -> ChannelDeliveryRow:
    return ChannelDeliveryRow(row.id, row.channel, row.outbox_key, row.ticket_id, row.message_id,
                              row.recipient, row.external_id, row.status, row.error,
                              row.updated_at)  # fmt: skip


class ChannelRepository(Repository):
    # ------------------------------------------------------------ addresses
    def address(self, channel: str, address: str, *, for_update: bool = False
                ) -> ChannelAddressRow | None:  # fmt: skip
        stmt = select(_ADDRESSES).where(
            _ADDRESSES.c.channel == channel, _ADDRESSES.c.address == address
        )
        if for_update and self.db.dialect == "postgresql":
            stmt = stmt.with_for_update()
        row = self.db.execute(stmt).first()
        return None if row is None else _address(row)

    def address_of_contact(self, channel: str, contact_id: int) -> ChannelAddressRow | None:
        row = self.db.execute(
            select(_ADDRESSES)
            .where(_ADDRESSES.c.channel == channel, _ADDRESSES.c.contact_id == contact_id)
            .order_by(_ADDRESSES.c.last_inbound_at.desc(), _ADDRESSES.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _address(row)

    def address_of_ticket(self, channel: str, ticket_id: int) -> ChannelAddressRow | None:
        row = self.db.execute(
            select(_ADDRESSES).where(
                _ADDRESSES.c.channel == channel, _ADDRESSES.c.ticket_id == ticket_id
            )
        ).first()
        return None if row is None else _address(row)

    def add_address(self, channel: str, address: str, contact_id: int | None, name: str,
                    now: datetime) -> int:  # fmt: skip
        """A new address (WriteConflict at commit, or IntegrityError here, if a twin
        delivery added it first: the caller's transaction is then retried)."""
        values = {"channel": channel, "address": address, "contact_id": contact_id,
                  "name": name[:200], "ticket_id": None, "last_inbound_at": None,
                  "created_at": now}  # fmt: skip
        return int(
            self.db.execute(insert(_ADDRESSES).returning(_ADDRESSES.c.id), values).scalar_one()
        )

    def update_address(self, id_: int, **values: Any) -> None:
        self.db.execute(update(_ADDRESSES).where(_ADDRESSES.c.id == id_).values(**values))

    def contact_organization(self, slug: str) -> int | None:
        row = self.db.execute(
            select(_ORGANIZATIONS.c.id).where(_ORGANIZATIONS.c.slug == slug)
        ).first()
        return None if row is None else int(row[0])

    def contact_by_email(self, email: str) -> int | None:
        row = self.db.execute(select(_CONTACTS.c.id).where(_CONTACTS.c.email == email)).first()
        return None if row is None else int(row[0])

    # ------------------------------------------------------------ messages
    def message_by_external_id(self, channel: str, external_id: str) -> tuple[int, int] | None:
        """(ticket id, message id) of the message stored under this channel identity."""
        row = self.db.execute(
            select(_MESSAGES.c.ticket_id, _MESSAGES.c.id).where(
                _MESSAGES.c.channel == channel, _MESSAGES.c.external_id == external_id
            )
        ).first()
        return None if row is None else (int(row[0]), int(row[1]))

    def set_message_identity(self, message_id: int, channel: str, external_id: str) -> None:
        """Stamp a stored message with its channel identity (unique per channel: a twin
        raises IntegrityError here or at commit)."""
        self.db.execute(
            update(_MESSAGES)
            .where(_MESSAGES.c.id == message_id)
            .values(channel=channel, external_id=external_id)
        )

    def ticket_status(self, ticket_id: int) -> tuple[str, str] | None:
        """(status, channel) of a ticket."""
        row = self.db.execute(
            select(_TICKETS.c.status, _TICKETS.c.channel).where(_TICKETS.c.id == ticket_id)
        ).first()
        return None if row is None else (str(row[0]), str(row[1]))

    def ticket_attributes(self, ticket_id: int) -> dict[str, Any]:
        row = self.db.execute(
            select(_TICKETS.c.attributes).where(_TICKETS.c.id == ticket_id)
        ).first()
        return dict(row[0] or {}) if row is not None else {}

    # ------------------------------------------------------------ deliveries
    def delivery(self, outbox_key: str) -> ChannelDeliveryRow | None:
        row = self.db.execute(
            select(_DELIVERIES).where(_DELIVERIES.c.outbox_key == outbox_key)
        ).first()
        return None if row is None else _delivery(row)

    def delivery_by_external_id(self, channel: str, external_id: str
                                ) -> ChannelDeliveryRow | None:  # fmt: skip
        row = self.db.execute(
            select(_DELIVERIES).where(
                _DELIVERIES.c.channel == channel, _DELIVERIES.c.external_id == external_id
            )
        ).first()
        return None if row is None else _delivery(row)

    def deliveries_of_ticket(self, ticket_id: int) -> list[ChannelDeliveryRow]:
        return [
            _delivery(r)
            for r in self.db.execute(
                select(_DELIVERIES)
                .where(_DELIVERIES.c.ticket_id == ticket_id)
                .order_by(_DELIVERIES.c.id)
            )
        ]

    def add_delivery(self, values: dict[str, Any]) -> int:
        return int(
            self.db.execute(insert(_DELIVERIES).returning(_DELIVERIES.c.id), values).scalar_one()
        )

    def update_delivery(self, id_: int, **values: Any) -> None:
        self.db.execute(update(_DELIVERIES).where(_DELIVERIES.c.id == id_).values(**values))

    def contact(self, contact_id: int) -> tuple[int, str, int, bool] | None:
        """(id, name, organisation id, active) of a contact."""
        row = self.db.execute(
            select(_CONTACTS.c.id, _CONTACTS.c.name, _CONTACTS.c.organization_id,
                   _CONTACTS.c.active).where(_CONTACTS.c.id == contact_id)
        ).first()  # fmt: skip
        return None if row is None else (int(row[0]), str(row[1]), int(row[2]), bool(row[3]))

    def requester_of(self, ticket_id: int) -> int | None:
        row = self.db.execute(
            select(_TICKETS.c.requester_id).where(_TICKETS.c.id == ticket_id)
        ).first()
        return None if row is None or row[0] is None else int(row[0])

    def message_author_kind(self, message_id: int) -> str | None:
        row = self.db.execute(
            select(_MESSAGES.c.author_kind).where(_MESSAGES.c.id == message_id)
        ).first()
        return None if row is None else str(row[0])

    def message_body(self, message_id: int) -> tuple[int, str, bool] | None:
        """(ticket id, body, public) of a stored message."""
        row = self.db.execute(
            select(_MESSAGES.c.ticket_id, _MESSAGES.c.body, _MESSAGES.c.public).where(
                _MESSAGES.c.id == message_id
            )
        ).first()
        return None if row is None else (int(row[0]), str(row[1]), bool(row[2]))

    # ------------------------------------------------------------ templates
    def templates(self, channel: str) -> list[ChannelTemplateRow]:
        """The channel's cached templates, by name then language."""
        rows = self.db.execute(
            select(_TEMPLATES)
            .where(_TEMPLATES.c.channel == channel)
            .order_by(_TEMPLATES.c.name, _TEMPLATES.c.language)
        )
        return [ChannelTemplateRow(r.name, r.language, r.category, r.body,
                                   dict(r.parameters or {}), r.fetched_at)
                for r in rows]  # fmt: skip

    def replace_templates(self, channel: str, rows: list[dict[str, Any]]) -> None:
        """The channel's templates become ``rows`` (each with every column but ``id`` and
        ``channel``): two statements, in the caller's transaction."""
        self.db.execute(delete(_TEMPLATES).where(_TEMPLATES.c.channel == channel))
        if rows:
            self.db.execute(insert(_TEMPLATES), [{**r, "channel": channel} for r in rows])
