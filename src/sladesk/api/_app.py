"""The app factory: ``create_app(container)`` builds the FastAPI application around a wired
container (``sladesk.bootstrap``). Nothing is created at import; each call makes a new app."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from sladesk import __version__
from sladesk.api._admission import AdmissionLimit
from sladesk.api._docs import install_docs
from sladesk.api.deps import ServiceContainer
from sladesk.api.problems import PROBLEM_JSON, Problem, install_problem_handlers
from sladesk.api.routes import (
    agents,
    attachments,
    calls,
    compliance,
    contacts,
    dedicated,
    health,
    incidents,
    mail,
    oncall,
    organizations,
    policies,
    proposals,
    reports,
    retention,
    tickets,
    tokens,
    whatsapp,
)
from sladesk.channels.chat import mount_chat
from sladesk.channels.phone import phone_router
from sladesk.channels.whatsapp import whatsapp_router
from sladesk.web import mount_web

API_PREFIX = "/api/v1"

_DESCRIPTION = """\
The sladesk REST API. Every route but `/health` needs `Authorization: Bearer <token>`.
Errors are RFC 9457 problem details (`application/problem+json`). See docs/api.md.
"""

_PROBLEM = {"model": Problem, "content": {PROBLEM_JSON: {}}}
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "No or an invalid bearer token", **_PROBLEM},
    403: {"description": "The caller may not do this", **_PROBLEM},
    404: {"description": "Not found, or not visible to the caller", **_PROBLEM},
    409: {"description": "Conflicts with a unique value", **_PROBLEM},
    422: {"description": "Invalid input; `errors` names each place", **_PROBLEM},
    503: {
        "description": "The server takes no more requests just now (`max_in_flight`): try"
        " again after `Retry-After` seconds; nothing was done",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer"},
            }
        },
        **_PROBLEM,
    },
}


def create_app(container: ServiceContainer) -> FastAPI:
    """A new application serving ``container``'s services: the API at ``/api/v1``, the web
    console and portal (``sladesk.web``) at ``/``."""
    app = FastAPI(
        title="sladesk",
        version=__version__,
        description=_DESCRIPTION,
        docs_url=None,  # served by _docs.install_docs, from installed assets
        redoc_url=None,
        openapi_url="/api/openapi.json",
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.container = container
    install_problem_handlers(app)
    app.add_middleware(
        AdmissionLimit,
        limit=container.settings.max_in_flight,
        exempt=frozenset({f"{API_PREFIX}/health"}),
    )
    install_docs(app, "/api/openapi.json")

    v1 = APIRouter(prefix=API_PREFIX)
    v1.include_router(health.router)
    for module in (
        tickets,
        attachments,
        organizations,
        contacts,
        agents,
        tokens,
        policies,
        compliance,
        reports,
        retention,
        mail,
        incidents,
        proposals,
        oncall,
        dedicated,
        calls,
        whatsapp,
    ):
        v1.include_router(module.router, responses=_ERRORS)
    app.include_router(v1)
    mount_chat(app, container)  # the chat widget and the visitor's socket at /chat
    app.include_router(whatsapp_router())  # signature-checked, not token-authenticated
    app.include_router(phone_router())  # signature-checked (Twilio), not token-authenticated
    mount_web(app, container)  # the web console and portal at /, after every API route
    return app
