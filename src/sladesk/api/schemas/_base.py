"""The base of every schema: strict about unknown fields on input, read from views on output;
and the types every input shares.

Every text a request body carries, at any depth of lists and mappings (keys included), is
checked by :func:`sladesk.tickets.unstorable_reason` (a NUL or a lone surrogate is a ``422``
on that field, on both engines): :class:`InputModel` does it for each field of every body,
so a field added later is covered too. Query parameters take :data:`Text`; ids (in a path,
a query or a body) take :data:`Id`; instants a caller sends take :data:`Instant`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from sladesk.tickets import MAX_ID, unstorable_reason


def _unstorable_in(value: Any, where: str = "") -> str | None:
    """Why some text in ``value`` cannot be stored (``where`` says which item), or None."""
    if isinstance(value, str):
        reason = unstorable_reason(value)
        return None if reason is None else f"{where} {reason}".lstrip()
    if isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            found = _unstorable_in(item, f"{where}[{i}]")
            if found:
                return found
    elif isinstance(value, Mapping):
        for key, item in value.items():
            found = _unstorable_in(key, f"{where} key {key!r}") or _unstorable_in(
                item, f"{where}[{key!r}]"
            )
            if found:
                return found
    return None


def storable(value: Any) -> Any:
    """``value`` unchanged when every text in it can be stored; else a validation error."""
    found = _unstorable_in(value)
    if found is not None:
        raise PydanticCustomError("string_unstorable", found)
    return value


class InputModel(BaseModel):
    """A request body: unknown fields are errors, text is stripped of surrounding space, and
    text that cannot be stored is refused on its field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return storable(value)


class OutputModel(BaseModel):
    """A response body, built from a service's frozen view (``Model.model_validate(view)``)."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


#: text from a query parameter (or a form field): refused when it cannot be stored
Text = Annotated[str, AfterValidator(storable)]

#: a row's id: 1 to 2**63 - 1 (a larger one cannot exist in a 64-bit column, and is a ``422``
#: on its path, query parameter or body field rather than an error of the database driver).
#: The bound is written ``< 2**63`` because OpenAPI's JSON numbers hold 2**63 exactly and
#: 2**63 - 1 not at all
Id = Annotated[int, Field(ge=1, lt=MAX_ID + 1)]


def _in_utc_range(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_out_of_range",
            "out of range once converted to UTC (years 1 to 9999)",
        ) from None
    return value


#: an instant with a UTC offset, within the years 1 to 9999 once in UTC (``0001-01-01T00:00
#: +05:00`` is in year 0 in UTC: a ``422``, not an overflow in the database driver)
Instant = Annotated[AwareDatetime, AfterValidator(_in_utc_range)]
