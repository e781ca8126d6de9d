"""The status machine: new -> open -> pending_customer / on_hold(reason) -> solved -> closed.

A solved ticket may be reopened (-> open); closed is final. Putting a ticket on hold needs a
reason (``partner_outage``, ``third_party``...), because pause rules may depend on it.
"""

from __future__ import annotations

from sladesk.policy import Status
from sladesk.tickets._errors import TicketRuleError

_WORKING = (Status.OPEN, Status.PENDING_CUSTOMER, Status.ON_HOLD, Status.SOLVED, Status.CLOSED)

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset(_WORKING),
    Status.OPEN: frozenset(_WORKING) - {Status.OPEN},
    Status.PENDING_CUSTOMER: frozenset(_WORKING) - {Status.PENDING_CUSTOMER},
    Status.ON_HOLD: frozenset(_WORKING),  # on_hold -> on_hold changes the reason
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def parse_status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        known = ", ".join(s.value for s in Status)
        raise TicketRuleError(
            f"unknown status {value!r} (one of {known})", code="ticket.status.unknown",
            field="status",
        ) from None  # fmt: skip


def check_transition(current: Status, target: Status, reason: str | None) -> None:
    """Raise :class:`TicketRuleError` unless ``current -> target`` is allowed."""
    if current is Status.CLOSED:
        raise TicketRuleError(
            "the ticket is closed, and closed is final: open a new ticket instead",
            code="ticket.closed",
        )
    if target not in TRANSITIONS[current]:
        raise TicketRuleError(
            f"a ticket cannot go from {current.value} to {target.value}",
            code="ticket.status.transition", field="status",
        )  # fmt: skip
    if target is Status.ON_HOLD and not (reason and reason.strip()):
        raise TicketRuleError(
            "putting a ticket on hold needs a reason (e.g. partner_outage, third_party)",
            code="ticket.status.reason_required", field="reason",
        )  # fmt: skip
