"""The web console for agents, the customer portal and sign-in: server-rendered pages
(Jinja2) over the same services as the API. It imports no API module; the API's app factory
mounts it at ``/`` (``mount_web``). See docs/web.md.
"""

from sladesk.web._app import CONTENT_SECURITY_POLICY, create_web_app, mount_web

__all__ = ["CONTENT_SECURITY_POLICY", "create_web_app", "mount_web"]
