"""Policies: a policy file submitted for validation or publication, and published versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from sladesk.api.problems import FieldProblem, field_problem_of_spec
from sladesk.api.schemas._base import InputModel, OutputModel
from sladesk.policy import MAX_POLICY_CHARS
from sladesk.services import PolicyCheck


class PolicySubmit(InputModel):
    """A policy file's text (YAML, see docs/policies.md) and the name its errors should give."""

    model_config = InputModel.model_config | {"str_strip_whitespace": False}

    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_POLICY_CHARS)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        default="policy.yaml", description="The file name errors are reported against."
    )


class PolicyCheckPublic(OutputModel):
    """The answer to a validation: ``valid``, or every problem with its line, column and path."""

    valid: bool
    name: str | None = None
    version: str | None = None
    errors: list[FieldProblem]

    @classmethod
    def of(cls, check: PolicyCheck) -> PolicyCheckPublic:
        return cls(
            valid=check.valid,
            name=check.name,
            version=check.version,
            errors=[field_problem_of_spec(e) for e in check.errors],
        )


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
    unchanged: bool = Field(
        default=False,
        description="Publish only: the text was the current version's already, so no version "
        "was made and nothing was re-evaluated (the answer is then `200`, not `201`).",
    )
