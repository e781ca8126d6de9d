"""The admin console's mail page (``/admin/mail``): what the e-mail channel needs an admin
for, on one page —

- **bouncing addresses**: those a delivery report (DSN) marked, with its reason and whose
  address it is; mail is not sent to them until an admin clears the mark;
- **dead letters**: outbox messages delivery gave up on, with the last error; retry one
  (due again at once, its attempts counted afresh) or discard it (kept, listed no more);
- **mail records**: the messages in and out — of one ticket (its number, ``#12``) or from or
  to one address — with their Message-ID and status.

Admins only (``admin_page``: another agent gets 403, a contact 404); every change is one
service call, which checks the role again, behind the form's CSRF token. Plain forms; no
JavaScript needed.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sladesk import services
from sladesk.services import InvalidRequest, NotFound
from sladesk.web._context import Page, admin_page

router = APIRouter()

#: the statuses a mail record can have, in and out (``store/_tables_mail.py``)
STATUSES = (
    "received", "stored", "note", "auto_reply", "bounce", "unreadable", "refused",
    "sending", "sent", "unsent", "limited",
)  # fmt: skip
#: how many of each list the page shows
LISTED = 100


def _ticket_number(text: str) -> int | None:
    """``#12``, ``12`` or ``[#12]`` as a ticket number; None for anything else."""
    digits = text.strip().strip("[]").lstrip("#").strip()
    return int(digits) if digits.isdigit() and 0 < len(digits) <= 12 else None


def _mail_page(p: Page, *, ticket: str = "", address: str = "", direction: str = "",
               status: str = "", http_status: int = 200) -> Response:  # fmt: skip
    actor = p.actor
    problem = None
    number = _ticket_number(ticket) if ticket.strip() else None
    if ticket.strip() and number is None:
        problem = p._("A ticket is its number, like #12.")
    records = []
    if problem is None:
        records = services.list_mail(
            p.uow(), p.clock, actor, ticket_number=number, address=address.strip() or None,
            direction=direction if direction in ("in", "out") else None,
            status=status if status in STATUSES else None, limit=LISTED,
        )  # fmt: skip
    return p.render(
        "admin_mail.html", status=http_status, problem=problem, records=records,
        bouncing=services.list_bouncing(p.uow(), p.clock, actor, limit=LISTED),
        dead=services.list_dead_letters(p.uow(), p.clock, actor, limit=LISTED),
        statuses=STATUSES,
        query={"ticket": ticket.strip(), "address": address.strip(), "direction": direction,
               "status": status},
    )  # fmt: skip


@router.get("/admin/mail", response_class=HTMLResponse)
def mail(
    request: Request, ticket: str = "", address: str = "", direction: str = "", status: str = ""
) -> Response:
    p = admin_page(request)
    return _mail_page(p, ticket=ticket[:40], address=address[:320], direction=direction,
                      status=status)  # fmt: skip


@router.post("/admin/mail/bounces/clear", response_class=HTMLResponse)
def clear_bounce(request: Request, address: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Take the bouncing mark off an address (the address is a form field: it is no path)."""
    p = admin_page(request)
    p.check_csrf(csrf_token)
    try:
        services.clear_bouncing(p.uow(), p.clock, p.actor, address)
    except (NotFound, InvalidRequest):
        return p.redirect("/admin/mail", p._("%(address)s is not marked as bouncing.")
                          % {"address": address.strip()})  # fmt: skip
    return p.redirect("/admin/mail", p._("Mail will go to %(address)s again.")
                      % {"address": address.strip().lower()})  # fmt: skip


@router.post("/admin/mail/dead-letters/{outbox_id}/retry", response_class=HTMLResponse)
def retry(request: Request, outbox_id: int, csrf_token: str = Form("")) -> Response:
    p = admin_page(request)
    p.check_csrf(csrf_token)
    try:
        services.retry_dead_letter(p.uow(), p.clock, p.actor, outbox_id)
    except NotFound:
        return p.redirect("/admin/mail", p._("That message is no longer a dead letter."))
    return p.redirect("/admin/mail", p._("Message %(id)s will be sent again.")
                      % {"id": outbox_id})  # fmt: skip


@router.post("/admin/mail/dead-letters/{outbox_id}/discard", response_class=HTMLResponse)
def discard(request: Request, outbox_id: int, csrf_token: str = Form("")) -> Response:
    p = admin_page(request)
    p.check_csrf(csrf_token)
    try:
        services.discard_dead_letter(p.uow(), p.clock, p.actor, outbox_id)
    except NotFound:
        return p.redirect("/admin/mail", p._("That message is no longer a dead letter."))
    return p.redirect("/admin/mail", p._("Message %(id)s discarded.") % {"id": outbox_id})
