"""The web application: pages, static files, the session and security-header middleware, and
how errors become pages. ``create_web_app(container)`` builds it; ``mount_web`` hangs it at
``/`` of the API's application, after the API's own routes.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sladesk.services import Forbidden, NotFound
from sladesk.web import (
    _pages_admin,
    _pages_auth,
    _pages_canned,
    _pages_chat,
    _pages_console,
    _pages_incidents,
    _pages_mail,
    _pages_oncall,
    _pages_people,
    _pages_portal,
    _pages_proposals,
    _pages_queue,
    _pages_reports,
    _pages_vip,
)
from sladesk.web._context import CsrfRefused, ServiceContainer, SignInRequired, Web, WrongRole, page
from sladesk.web._i18n import HERE, LANGUAGES, environments, translations
from sladesk.web._session import SessionCodec, SessionMiddleware
from sladesk.web._throttle import SignInThrottle

log = logging.getLogger(__name__)

#: no inline script or style anywhere; our own files only; never framed
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the security headers to every response of the web console; pages are not
    cached (they show one person's tickets)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # a page may widen its own policy (a ticket whose remote images were asked for)
                own_csp = any(name == b"content-security-policy" for name, _ in headers)
                headers.extend(h for h in _HEADERS if not (own_csp and h is _HEADERS[0]))
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_web_app(container: ServiceContainer) -> FastAPI:
    """The console, the portal and sign-in, served by ``container``'s services."""
    settings = container.settings
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode()
    else:
        log.warning(
            "SLADESK_SECRET_KEY is not set: web sessions are signed with a random key of this "
            "process and end when it restarts"
        )
        key = secrets.token_bytes(32)
    codec = SessionCodec(
        key,
        idle=timedelta(minutes=settings.session_idle_minutes),
        lifetime=timedelta(hours=settings.session_max_hours),
    )
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.web = Web(
        container=container,
        envs=environments(),
        catalogs={language: translations(language) for language in LANGUAGES},
        throttle=SignInThrottle(),
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (
        _pages_auth,
        _pages_chat,
        _pages_queue,
        _pages_canned,
        _pages_console,
        _pages_incidents,
        _pages_oncall,
        _pages_portal,
        _pages_proposals,
        _pages_reports,
        _pages_vip,
        _pages_admin,
        _pages_mail,
        _pages_people,
    ):
        app.include_router(module.router)
    secure = settings.public_url.startswith("https://")
    app.add_middleware(SessionMiddleware, codec=codec, clock=container.clock, secure=secure)
    app.add_middleware(SecurityHeaders)
    _install_error_pages(app)
    return app


class _OutsideApi(Mount):
    """A mount at ``/`` that leaves ``/api`` and everything under it to the API, so that an
    unknown API path stays the API's 404 problem (and a wrong method its 405)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if path == "/api" or path.startswith("/api/"):
            return Match.NONE, {}
        return super().matches(scope)


def mount_web(app: FastAPI, container: ServiceContainer) -> None:
    """Serve the web console at ``/`` of ``app``, behind every route ``app`` already has."""
    app.router.routes.append(_OutsideApi("/", app=create_web_app(container), name="web"))


def _not_found_page(request: Request) -> Response:
    p = page(request)
    return p.render("error.html", status=404, title=p._("Not found"),
                    text=p._("There is nothing here, or not for you."))  # fmt: skip


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse("/", status_code=303)

    @app.exception_handler(CsrfRefused)
    def _csrf(request: Request, exc: CsrfRefused) -> Response:
        p = page(request)
        text = p._(
            "This form has expired or did not come from this site. Go back, reload the page "
            "and try again."
        )
        return p.render("error.html", status=403, title=p._("Refused"), text=text)

    @app.exception_handler(NotFound)
    @app.exception_handler(WrongRole)
    def _not_found(request: Request, exc: Exception) -> Response:
        return _not_found_page(request)

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, exc: Forbidden) -> Response:
        p = page(request)
        return p.render("error.html", status=403, title=p._("Refused"),
                        text=p._("You may not do this."))  # fmt: skip

    @app.exception_handler(HTTPException)
    def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return _not_found_page(request)
        return HTMLResponse(str(exc.detail), status_code=exc.status_code)
