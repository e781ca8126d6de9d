"""What every page handler starts from: the app-wide parts (:class:`Web`) and, per request,
the :class:`Page` — the session, the person it stands for (checked against the database on
every request: a deactivated person or a changed password signs them out), their language
and time zone, and helpers to render a template, check a form's CSRF token and redirect.

Handlers are plain ``def`` (FastAPI runs them in its thread pool): the person lookup, the
service call and the rendering happen in that one thread hop. Each service call gets a fresh
unit of work from the container (``Page.uow()``), as the API's routes do.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment

from sladesk.config import Settings
from sladesk.services import Actor, AuthenticationFailed, Clock, Forbidden
from sladesk.services.console import SavedView, list_saved_views
from sladesk.services.sign_in import SignedInPerson, session_person
from sladesk.store import UnitOfWork
from sladesk.web._i18n import LANGUAGE_NAMES, LANGUAGES, Words, negotiate, zone
from sladesk.web._session import Session
from sladesk.web._throttle import SignInThrottle


class ServiceContainer(Protocol):
    """What the web console needs of the wiring (``sladesk.bootstrap.Container`` is one)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def settings(self) -> Settings: ...

    def uow(self) -> UnitOfWork: ...


@dataclass
class Web:
    """The web console's app-wide parts, built once by ``create_web_app``."""

    container: ServiceContainer
    envs: dict[str, Environment]
    catalogs: dict[str, Translations]
    throttle: SignInThrottle


def queue_link(query: Mapping[str, str], **changes: object) -> str:
    """The queue's URL for ``query`` (filter name -> value) with ``changes`` applied."""
    merged: dict[str, object] = {**query, **changes}
    parts = [f"{k}={quote(str(v))}" for k, v in merged.items() if v not in ("", None, 0)]
    return "/queue" + ("?" + "&".join(parts) if parts else "")


class CsrfRefused(Exception):
    """A state-changing form came without its session's CSRF token: answered 403."""


class SignInRequired(Exception):
    """The page needs a signed-in person (of a kind): answered with a redirect to ``/``."""


class WrongRole(Exception):
    """Signed in, but as the other kind of person (a contact on an agent page): 404."""


class Page:
    """One request's view of the console."""

    def __init__(self, request: Request, web: Web, person: SignedInPerson | None) -> None:
        self.request = request
        self.web = web
        self.person = person
        self.session: Session = request.state.session
        profile = self.session.locale or (person.locale if person else None)
        session_zone = self.session.time_zone
        if person is not None and person.kind == "agent":
            # an agent's profile (set in Preferences) wins over the browser's zone and language
            profile = person.locale or profile
            session_zone = person.time_zone or session_zone
        fallback = person.fallback_locale if person else None
        self.language = negotiate(profile, request.headers.get("accept-language"), fallback)
        tz = zone(session_zone or (person.time_zone if person else None))
        self.words = Words(self.language, web.catalogs[self.language], tz)
        self._saved_views: list[SavedView] | None = None

    @property
    def actor(self) -> Actor:
        """The signed-in person's actor (pages that required one)."""
        if self.person is None:
            raise SignInRequired()
        return self.person.actor

    @property
    def clock(self) -> Clock:
        return self.web.container.clock

    def uow(self) -> UnitOfWork:
        return self.web.container.uow()

    def now(self) -> datetime:
        return self.clock.now()

    def _(self, message: str) -> str:
        return self.words.gettext(message)

    def check_csrf(self, token: str) -> None:
        if not token or not hmac.compare_digest(token.encode(), self.session.csrf.encode()):
            raise CsrfRefused()

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        env = self.web.envs[self.language]
        html = env.get_template(template).render(
            page=self, person=self.person, words=self.words, csrf=self.session.csrf,
            notice=self.session.take_notice(), language=self.language, languages=LANGUAGES,
            language_names=LANGUAGE_NAMES, saved_views=self.saved_views,
            view_link=queue_link, **context,
        )  # fmt: skip
        return HTMLResponse(html, status_code=status)

    def saved_views(self) -> list[SavedView]:
        """The agent's saved views, for the navigation (read when a page draws it)."""
        if self.person is None or self.person.kind != "agent":
            return []
        if self._saved_views is None:  # one read per page, however often it is drawn
            self._saved_views = list_saved_views(self.uow(), self.clock, self.person.actor)
        return self._saved_views

    def keep_saved_views(self, views: list[SavedView]) -> None:
        """The saved views a page's read model already holds: the navigation draws these
        instead of reading them again."""
        self._saved_views = views

    def redirect(self, url: str, notice: str | None = None) -> RedirectResponse:
        if notice:
            self.session.flash(notice)
        return RedirectResponse(url, status_code=303)


def page(request: Request, *, need: str | None = None) -> Page:
    """The request's :class:`Page`. ``need`` ("agent" or "contact") requires a signed-in
    person of that kind: :class:`SignInRequired` without one, :class:`WrongRole` for the
    other kind."""
    web: Web = request.app.state.web
    session: Session = request.state.session
    person = None
    if session.person is not None:
        kind, person_id, stamp = session.person
        try:
            person = session_person(
                web.container.uow(), web.container.clock, kind, person_id, stamp
            )
        except AuthenticationFailed:
            session.sign_out(web.container.clock.now())
            p = Page(request, web, None)
            session.flash(p._("You have been signed out."))
    if need is not None:
        if person is None:
            raise SignInRequired()
        if person.kind != need:
            raise WrongRole()
    return Page(request, web, person)


def admin_page(request: Request) -> Page:
    """:func:`page` for the admin console: an agent who is not an admin is refused (403,
    :class:`Forbidden`), a contact gets the 404 of :class:`WrongRole`, nobody a redirect to
    sign in."""
    p = page(request, need="agent")
    assert p.person is not None
    if not p.person.actor.is_admin:
        raise Forbidden("only admins may use the admin console")
    return p
