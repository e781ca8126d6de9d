"""``/health``: is the process up. No authentication, no database."""

from __future__ import annotations

from fastapi import APIRouter

from sladesk import __version__
from sladesk.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> Health:
    return Health(version=__version__)
