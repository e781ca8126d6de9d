"""API tokens: what a caller sends to issue one, and what is shown of it. The secret appears
once, in the answer to the request that issued it; afterwards only its public prefix."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from sladesk.api.schemas._base import Id, InputModel, OutputModel
from sladesk.services import IssuedToken


class TokenCreate(InputModel):
    """For oneself by default; an admin may name another agent or contact."""

    name: Annotated[str, StringConstraints(max_length=200)] = ""
    agent_id: Id | None = None
    contact_id: Id | None = None


class TokenPublic(OutputModel):
    id: int
    prefix: str
    name: str
    owner_kind: str
    owner_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(OutputModel):
    token: TokenPublic
    #: ``Authorization: Bearer <secret>``; shown this once, never stored
    secret: str

    @classmethod
    def of(cls, issued: IssuedToken) -> TokenIssued:
        return cls(token=TokenPublic.model_validate(issued.token), secret=issued.secret)
