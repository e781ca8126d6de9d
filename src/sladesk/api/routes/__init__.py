"""Routers, one per resource; ``sladesk.api.create_app`` mounts them at ``/api/v1``."""
