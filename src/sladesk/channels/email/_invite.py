"""The iCalendar invitation of a booked call (RFC 5545 / iTIP ``METHOD:REQUEST``), built
with the ``icalendar`` package from what :func:`sladesk.services.call_invitation` says.

The event's DTSTART/DTEND carry the agent's working-calendar zone (``TZID=CET``) with its
VTIMEZONE, so a calendar client shows the same instant wherever its user is; DTSTAMP is UTC.
The agent organises it and attends it (accepted); the customer is invited (RSVP). The UID is
the booking's and SEQUENCE its revision, so a later update replaces this event.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import icalendar

from sladesk.services import CallInvitation

__all__ = ["INVITE_TEMPLATES", "invitation_ics"]

#: the outbox templates whose mail carries an invitation
INVITE_TEMPLATES = frozenset({"call.booked"})


def invitation_ics(invitation: CallInvitation, *, method: str = "REQUEST") -> str:
    """The invitation as iCalendar text (CRLF line ends, folded as the RFC says)."""
    zone = ZoneInfo(invitation.time_zone)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//sladesk//calls//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", invitation.created_at.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", invitation.starts_at.astimezone(zone))
    event.add("dtend", invitation.ends_at.astimezone(zone))
    what = "Review call" if invitation.kind == "review" else "Call"
    event.add("summary", f"{what} with {invitation.agent_name} [#{invitation.ticket_number}]")
    event.add("description", f"Ticket #{invitation.ticket_number}: {invitation.subject}")
    event.add("status", "CANCELLED" if invitation.status == "cancelled" else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{invitation.agent_email}")
    organizer.params["cn"] = icalendar.vText(invitation.agent_name)
    event.add("organizer", organizer)
    agent = icalendar.vCalAddress(f"mailto:{invitation.agent_email}")
    agent.params.update({"cn": invitation.agent_name, "role": "CHAIR", "partstat": "ACCEPTED"})
    event.add("attendee", agent)
    if invitation.contact_email:
        guest = icalendar.vCalAddress(f"mailto:{invitation.contact_email}")
        guest.params.update({"cn": invitation.contact_name or invitation.contact_email,
                             "role": "REQ-PARTICIPANT", "partstat": "NEEDS-ACTION",
                             "rsvp": "TRUE"})  # fmt: skip
        event.add("attendee", guest)
    cal.add_component(event)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data.decode("utf-8")
