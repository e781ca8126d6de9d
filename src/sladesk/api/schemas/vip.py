"""The dedicated agent (LiveAgent VIP): availability and absences, an organisation's
dedicated and backup agents, call slots and booked calls."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from sladesk.api.schemas._base import Id, InputModel, Instant, OutputModel

TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class AvailabilityChange(InputModel):
    available: bool = Field(description="false: away (routing skips the agent) until true")


class AbsencePublic(OutputModel):
    id: int
    agent_id: int
    starts_on: date
    ends_on: date = Field(description="the last day away (inclusive)")
    time_zone: str
    starts_at: datetime = Field(description="the first instant of starts_on in time_zone")
    ends_at: datetime = Field(description="the first instant of the day after ends_on")
    reason: str


class AbsenceCreate(InputModel):
    """Whole days away, as local dates in an IANA time zone (e.g. Europe/Lisbon)."""

    starts_on: date
    ends_on: date
    time_zone: TimeZone
    reason: Annotated[str, StringConstraints(max_length=200)] = ""


class AvailabilityPublic(OutputModel):
    agent_id: int
    name: str
    available: bool = Field(description="the agent's own switch")
    away_now: bool = Field(description="the switch is off, or an absence covers now")
    back_at: datetime | None = Field(description="the end of the absence covering now")
    absences: tuple[AbsencePublic, ...] = Field(description="those not over yet")


class DedicatedAgentsPublic(OutputModel):
    organization_id: int
    dedicated_agent_id: int | None
    backup_agent_id: int | None


class DedicatedAgentsChange(InputModel):
    """Both, always: ``null`` clears one."""

    dedicated_agent_id: Id | None
    backup_agent_id: Id | None


class SlotPublic(OutputModel):
    starts_at: datetime
    ends_at: datetime


class CallSlotsPublic(OutputModel):
    ticket_id: int
    agent_id: int
    agent_name: str
    time_zone: str = Field(description="the organisation's zone, to show the slots in")
    calendar_time_zone: str = Field(description="the agent's working calendar's zone")
    slots: tuple[SlotPublic, ...]


class BookingCreate(InputModel):
    starts_at: Instant = Field(description="the start of one of the offered slots, with offset")


class BookedCallPublic(OutputModel):
    id: int
    ticket_id: int
    agent_id: int
    agent_name: str
    kind: str = Field(description="call (booked by the customer) or review (proposed)")
    status: str = Field(description="booked, cancelled or held (its summary is recorded)")
    starts_at: datetime
    ends_at: datetime
    uid: str = Field(description="the iCalendar UID of its invitation")
    message_id: int | None = Field(description="the call record, once held")


class CallSummaryCreate(InputModel):
    summary: Annotated[str, StringConstraints(min_length=1, max_length=20000)]
