"""The REST API: a FastAPI adapter over the services, mounted at ``/api/v1``.

``create_app(container)`` builds the application; routers per resource live in ``routes/``,
request and response bodies in ``schemas/``, the caller and the unit of work come from
``deps``, and every error becomes an RFC 9457 problem in ``problems``. See docs/api.md.
"""

from sladesk.api._app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
