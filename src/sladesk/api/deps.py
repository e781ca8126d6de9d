"""What an API route may ask for: the dependencies every HTTP adapter shares
(``sladesk.http``: the caller, a unit of work, the clock, the settings), and the API's own
``Idempotency-Key`` header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from sladesk.http import (
    ActorDep,
    ClockDep,
    ContainerDep,
    ServiceContainer,
    SettingsDep,
    UowDep,
)

__all__ = [
    "ActorDep",
    "ClockDep",
    "ContainerDep",
    "IdempotencyKey",
    "ServiceContainer",
    "SettingsDep",
    "UowDep",
]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat a create with the same key and get the same ticket, created once.",
    ),
]
