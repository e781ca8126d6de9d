"""The base of every schema: strict about unknown fields on input, read from views on output."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class InputModel(BaseModel):
    """A request body: unknown fields are errors, text is stripped of surrounding space."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class OutputModel(BaseModel):
    """A response body, built from a service's frozen view (``Model.model_validate(view)``)."""

    model_config = ConfigDict(from_attributes=True, frozen=True)
