"""The phone channel's lookups: who calls from a number, and which ticket a call, a
voicemail or a transcription is on (its ``(channel, external_id)`` message). Plain values
in and out; the phone service (``services/_phone.py``) decides."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from sladesk.store._db import Repository
from sladesk.store._tables import Contact, Message, Organization
from sladesk.store._tables_channels import ChannelAddress

__all__ = ["PhoneCaller", "PhoneRepository"]


@dataclass(frozen=True, slots=True)
class PhoneCaller:
    contact_id: int
    name: str
    email: str
    organization_id: int
    locale: str  # the contact's, else their organisation's


class PhoneRepository(Repository):
    def caller(self, phone: str) -> PhoneCaller | None:
        """The active contact who calls from ``phone`` (the first one filed, when two share
        a switchboard number); else the one who writes on WhatsApp from that number (its
        ``wa_id`` is the number's digits)."""
        columns = select(Contact.id, Contact.name, Contact.email, Contact.organization_id,
                         Contact.locale, Organization.locale.label("org_locale"))  # fmt: skip
        known = columns.join_from(
            Contact, Organization, Organization.id == Contact.organization_id
        ).where(Contact.active.is_(True))
        row = self.db.execute(
            known.where(Contact.phone == phone).order_by(Contact.id).limit(1)
        ).first()
        if row is None and phone.startswith("+"):
            row = self.db.execute(
                known.join(ChannelAddress, ChannelAddress.contact_id == Contact.id)
                .where(ChannelAddress.channel == "whatsapp", ChannelAddress.address == phone[1:])
                .order_by(Contact.id).limit(1)
            ).first()  # fmt: skip
        if row is None:
            return None
        return PhoneCaller(row.id, row.name, row.email, row.organization_id,
                           row.locale or row.org_locale or "en")  # fmt: skip

    def ticket_of(self, channel: str, external_id: str) -> int | None:
        """The ticket of the message known on ``channel`` as ``external_id``."""
        row = self.db.execute(
            select(Message.ticket_id).where(
                Message.channel == channel, Message.external_id == external_id
            )
        ).first()
        return None if row is None else int(row[0])
