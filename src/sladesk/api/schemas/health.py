"""The health check's answer."""

from __future__ import annotations

from typing import Literal

from sladesk.api.schemas._base import OutputModel


class Health(OutputModel):
    status: Literal["ok"] = "ok"
    version: str
