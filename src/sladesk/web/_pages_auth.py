"""Sign-in, sign-out and the viewer's preferences (time zone, language).

``/`` is the sign-in page, or the person's home once signed in (the queue for agents, the
portal for contacts). Failed sign-ins are throttled per account and per client address
(``_throttle.py``): a throttled attempt is answered 429 with how long to wait, before the
password is even checked.
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sladesk import services
from sladesk.services import AuthenticationFailed, InvalidRequest, InvitationState, NotFound
from sladesk.services.console import set_agent_preferences
from sladesk.services.sign_in import SignedInPerson, sign_in
from sladesk.web._context import Page, page
from sladesk.web._i18n import LANGUAGES, zone

router = APIRouter()


def _home(p: Page) -> str:
    assert p.person is not None
    return "/queue" if p.person.kind == "agent" else "/portal"


def _signed_in(p: Page, person: SignedInPerson, time_zone: str, now: datetime) -> Response:
    """Begin ``person``'s session (with the browser's ``time_zone`` when it is a real zone)
    and send them home."""
    chosen = time_zone if time_zone and zone(time_zone).key == time_zone else None
    p.session.sign_in(now, (person.kind, person.actor.id or 0, person.stamp), chosen)
    return RedirectResponse("/queue" if person.kind == "agent" else "/portal", status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    p = page(request)
    if p.person is not None:
        return RedirectResponse(_home(p), status_code=303)
    return p.render("sign_in.html", email="", error=None)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    time_zone: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request)
    p.check_csrf(csrf_token)
    now = p.now()
    address = request.client.host if request.client else "unknown"
    throttle = p.web.throttle
    wait = throttle.retry_after(email, address, now)
    if wait is not None:
        minutes = max(math.ceil(wait.total_seconds() / 60), 1)
        error = p._("Too many failed sign-ins. Try again in %(minutes)s minutes.") % {
            "minutes": minutes
        }
        return p.render("sign_in.html", status=429, email=email, error=error)
    try:
        person = sign_in(p.uow(), p.clock, email, password)
    except AuthenticationFailed:
        throttle.failed(email, address, now)
        error = p._("Wrong e-mail address or password.")
        return p.render("sign_in.html", status=401, email=email, error=error)
    throttle.succeeded(email)
    return _signed_in(p, person, time_zone, now)


@router.post("/sign-out")
def sign_out(request: Request, csrf_token: str = Form("")) -> Response:
    p = page(request)
    p.check_csrf(csrf_token)
    p.session.sign_out(p.now())
    return p.redirect("/", p._("You have signed out."))


@router.get("/preferences", response_class=HTMLResponse)
def preferences(request: Request) -> Response:
    p = page(request, need=None)
    if p.person is None:
        return RedirectResponse("/", status_code=303)
    return p.render("preferences.html", zones=sorted(available_timezones()))


@router.post("/preferences")
def save_preferences(
    request: Request,
    time_zone: str = Form(""),
    language: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request)
    p.check_csrf(csrf_token)
    if p.person is None:
        return RedirectResponse("/", status_code=303)
    if time_zone and zone(time_zone).key == time_zone:
        p.session.time_zone = time_zone
    if language in LANGUAGES:
        p.session.locale = language
    p.session.dirty = True
    if p.person.kind == "agent":  # kept in the agent's profile: every session, every device
        set_agent_preferences(p.uow(), p.clock, p.person.actor, p.session.time_zone,
                              p.session.locale)  # fmt: skip
    return p.redirect(_home(p))


@router.get("/invitations/{secret}", response_class=HTMLResponse)
def invitation(request: Request, secret: str) -> Response:
    """The invitee's page: choose a password; or, for a used or expired link, say so."""
    p = page(request)
    state = _valid_invitation(p, secret)
    if not isinstance(state, InvitationState):
        return state
    return p.render("invitation.html", invitation=state, secret=secret, error=None)


def _gone_text(p: Page, state: str) -> str:
    if state == "used":
        return p._("This invitation has been used already. Sign in with your password.")
    return p._("This invitation has expired. Ask your administrator for a new one.")


def _invitation_gone(p: Page, text: str) -> Response:
    return p.render("error.html", status=410, title=p._("Invitation"), text=text)


def _valid_invitation(p: Page, secret: str) -> InvitationState | Response:
    """The invitation while its link works; else the 410 page saying why it does not."""
    try:
        state = services.invitation_state(p.uow(), p.clock, secret)
    except NotFound:
        return _invitation_gone(p, p._("This invitation link is not valid."))
    if state.state != "valid":
        return _invitation_gone(p, _gone_text(p, state.state))
    return state


@router.post("/invitations/{secret}", response_class=HTMLResponse)
def accept_invitation(
    request: Request,
    secret: str,
    password: str = Form(""),
    password_again: str = Form(""),
    time_zone: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Set the password, use the link up and sign the invitee in."""
    p = page(request)
    p.check_csrf(csrf_token)
    state = _valid_invitation(p, secret)
    if not isinstance(state, InvitationState):
        return state
    error = None
    if password != password_again:
        error = p._("The two passwords differ.")
    elif len(password) < 8:
        error = p._("The password needs at least 8 characters.")
    if error is not None:
        return p.render("invitation.html", status=422, invitation=state, secret=secret,
                        error=error)  # fmt: skip
    try:
        email = services.accept_invitation(p.uow(), p.clock, secret, password)
    except InvalidRequest:  # used or expired between the two reads
        fresh = services.invitation_state(p.uow(), p.clock, secret)
        return _invitation_gone(p, _gone_text(p, fresh.state))
    person = sign_in(p.uow(), p.clock, email, password)
    response = _signed_in(p, person, time_zone, p.now())
    p.session.flash(p._("Welcome. Your password is set."))
    return response
