"""Policies: a policy file submitted for validation or publication, and published versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from sladesk.api.problems import FieldProblem
from sladesk.api.schemas._base import InputModel, OutputModel


class PolicySubmit(InputModel):
    """A policy file's text (YAML, see docs/policies.md) and the name its errors should give."""

    model_config = InputModel.model_config | {"str_strip_whitespace": False}

    text: Annotated[str, StringConstraints(min_length=1, max_length=1_000_000)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        default="policy.yaml", description="The file name errors are reported against."
    )


class PolicyCheck(OutputModel):
    """The answer to a validation: ``valid``, or every problem with its line, column and path."""

    valid: bool
    errors: list[FieldProblem]


class PolicyVersionSummary(OutputModel):
    id: int
    name: str
    version: str
    effective_from: datetime
    published_by: str
    current: bool


class PolicyVersionPublic(PolicyVersionSummary):
    """A published version with its file's text."""

    text: str
    reevaluated_tickets: int = Field(
        default=0, description="Open tickets re-evaluated by this publication (publish only)."
    )
