"""The interactive API reference at ``/api/docs``, from files installed with sladesk.

FastAPI's own page loads Swagger UI from a CDN, so a self-hosted desk without Internet
access showed a blank page. Here the page points at the Swagger UI script, stylesheet and
icon that the ``fastapi-offline`` package installs (``fastapi_offline/static``), served
under ``/api/docs/static``; nothing on the page is fetched from another host. Swagger UI's
online validator badge is switched off for the same reason.
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL: Final = "/api/docs"
STATIC_URL: Final = "/api/docs/static"
#: the installed package and folder the assets come from
ASSETS: Final = ("fastapi_offline", "static")


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve the Swagger UI page for ``openapi_url`` at :data:`DOCS_URL`, assets included."""
    app.mount(STATIC_URL, StaticFiles(packages=[ASSETS]), name="docs-static")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - API reference",
            swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
