"""RFC 9457 problem details: every error the API answers is one ``application/problem+json``.

A problem document has the standard members ``type``, ``title``, ``status``, ``detail`` and
``instance``, plus one extension member, ``errors``: a list of ``{path, message, line,
column}`` for input that was wrong in one or more places (a request body field, a query
parameter, a field of a policy file at a line and column).

Which sladesk error becomes which problem is decided here, in one table
(:data:`PROBLEM_KINDS`), and nowhere else: routes raise nothing HTTP-shaped themselves, they let
the services' errors through. Problem ``type`` URIs are URNs (``urn:sladesk:problem:<slug>``);
docs/api.md lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from sladesk.errors import PolicyError, SladeskError, SpecError
from sladesk.tickets import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    TicketRuleError,
)

PROBLEM_JSON: Final = "application/problem+json"
TYPE_PREFIX: Final = "urn:sladesk:problem:"


class FieldProblem(BaseModel):
    """One wrong place in the input."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(
        description="Where: `body.subject`, `query.priority`, `rules[0].targets[1].duration`."
    )
    message: str
    line: int | None = Field(default=None, description="1-based line in a submitted file.")
    column: int | None = Field(default=None, description="1-based column in a submitted file.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(frozen=True)

    type: str = Field(description="A URI naming the kind of problem (see docs/api.md).")
    title: str = Field(description="A short summary of the kind of problem; the same per type.")
    status: int
    detail: str | None = Field(default=None, description="What went wrong this time.")
    instance: str | None = Field(default=None, description="The request path it happened on.")
    errors: list[FieldProblem] | None = Field(
        default=None, description="For input errors: every wrong place, not just the first."
    )
    code: str | None = Field(
        default=None, description="A stable code for a ticket rule (`ticket.note.contact`)."
    )


@dataclass(frozen=True, slots=True)
class ProblemKind:
    """A kind of problem: its slug (the end of its ``type`` URI), status and title."""

    slug: str
    status: int
    title: str

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.slug


NOT_AUTHENTICATED = ProblemKind("not-authenticated", 401, "Not authenticated")
FORBIDDEN = ProblemKind("forbidden", 403, "Not allowed")
NOT_FOUND = ProblemKind("not-found", 404, "Not found")
CONFLICT = ProblemKind("conflict", 409, "Conflict with the current state")
CONTENT_TOO_LARGE = ProblemKind("content-too-large", 413, "The request is too large")
INVALID_REQUEST = ProblemKind("invalid-request", 422, "The request is not valid")
INVALID_POLICY = ProblemKind("invalid-policy", 422, "The policy file is not valid")
TICKET_RULE = ProblemKind("ticket-rule", 422, "Not allowed by the ticket rules")
INTERNAL = ProblemKind("internal-error", 500, "Internal error")
OVERLOADED = ProblemKind("overloaded", 503, "The server is busy: try again later")

#: sladesk error class -> problem kind. The most specific class in an error's MRO wins, so a
#: subclass the services add later inherits its parent's mapping until it is given its own row.
PROBLEM_KINDS: dict[type[Exception], ProblemKind] = {
    AuthenticationFailed: NOT_AUTHENTICATED,
    Forbidden: FORBIDDEN,
    NotFound: NOT_FOUND,
    Conflict: CONFLICT,
    InvalidRequest: INVALID_REQUEST,
    TicketRuleError: TICKET_RULE,
    PolicyError: INVALID_POLICY,
    SpecError: INVALID_REQUEST,
}


class ApiProblem(Exception):
    """A problem the adapter itself finds (no or a bad bearer token, for instance)."""

    def __init__(
        self,
        kind: ProblemKind,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.headers = dict(headers or {})


def kind_of(exc: BaseException, table: Mapping[type[Exception], ProblemKind]) -> ProblemKind:
    """The problem kind of ``exc``: the row of the nearest class in its MRO, else ``INTERNAL``."""
    for cls in type(exc).__mro__:
        kind = table.get(cls)
        if kind is not None:
            return kind
    return INTERNAL


def field_problems_of(exc: BaseException) -> list[FieldProblem] | None:
    """The located errors a sladesk error carries, if any."""
    if isinstance(exc, PolicyError):
        return [field_problem_of_spec(e) for e in exc.errors]
    if isinstance(exc, SpecError):
        return [field_problem_of_spec(exc)]
    field = getattr(exc, "field", None)
    if isinstance(field, str) and field:
        return [FieldProblem(path=_HEADER_FIELDS.get(field, field), message=_message_of(exc))]
    return None


#: the fields of service errors that a request carries as headers, at the path FastAPI's own
#: errors give them (``header.Idempotency-Key``)
_HEADER_FIELDS: Final = {"Idempotency-Key": "header.Idempotency-Key"}


def _message_of(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) else str(exc)


def field_problem_of_spec(err: SpecError) -> FieldProblem:
    loc = err.location
    return FieldProblem(path=loc.path, message=err.message, line=loc.line, column=loc.column)


def format_loc(loc: Sequence[Any]) -> str:
    """FastAPI's ``("body", "items", 0, "name")`` -> ``body.items[0].name``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def validation_field_problems(errors: Iterable[Mapping[str, Any]]) -> list[FieldProblem]:
    """Pydantic/FastAPI validation errors as field problems."""
    return [
        FieldProblem(path=format_loc(e.get("loc", ())), message=str(e.get("msg", "invalid")))
        for e in errors
    ]


def problem_response(
    request: Request,
    kind: ProblemKind,
    detail: str | None,
    *,
    errors: list[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
    status: int | None = None,
    code: str | None = None,
) -> JSONResponse:
    """Render one problem document."""
    status = status or kind.status
    doc = Problem(
        type=kind.type,
        title=kind.title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        code=code,
    )
    return JSONResponse(
        doc.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


def install_problem_handlers(
    app: FastAPI, table: Mapping[type[Exception], ProblemKind] | None = None
) -> None:
    """Make every error ``app`` answers a problem document."""
    kinds: dict[type[Exception], ProblemKind] = dict(PROBLEM_KINDS)
    kinds.update(table or {})

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = validation_field_problems(exc.errors())
        n = len(problems)
        return problem_response(
            request,
            INVALID_REQUEST,
            f"{n} problem{'s' if n != 1 else ''} in the request",
            errors=problems,
        )

    async def on_api_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        return problem_response(request, exc.kind, exc.detail, headers=exc.headers)

    async def on_sladesk_error(request: Request, exc: Exception) -> JSONResponse:
        kind = kind_of(exc, kinds)
        if kind is TICKET_RULE and getattr(exc, "forbidden", False) is True:
            kind = FORBIDDEN  # a rule about who the caller is, not about the ticket's state
        if kind is INTERNAL:
            raise exc  # a bug: let the server log it and answer the generic 500
        detail = _policy_detail(exc) if isinstance(exc, PolicyError) else _message_of(exc)
        code = getattr(exc, "code", None)
        headers = _CHALLENGE if kind is NOT_AUTHENTICATED else None
        return problem_response(
            request,
            kind,
            detail,
            errors=field_problems_of(exc),
            headers=headers,
            code=code if isinstance(code, str) else None,
        )

    async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:
            # FastAPI could not read the body (not UTF-8, say): wrong input, like any other
            problem = FieldProblem(path="body", message=_unreadable_body(exc.__cause__))
            return problem_response(
                request, INVALID_REQUEST, "the request body cannot be read", errors=[problem]
            )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        kind = _kind_for_status(exc.status_code)
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(request, kind, detail, headers=headers, status=exc.status_code)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(request, INTERNAL, "An unexpected error; it has been logged.")

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ApiProblem, on_api_problem)
    app.add_exception_handler(SladeskError, on_sladesk_error)
    for cls in kinds:
        if not issubclass(cls, SladeskError):
            app.add_exception_handler(cls, on_sladesk_error)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(Exception, on_unexpected)


_CHALLENGE: Final = {"WWW-Authenticate": 'Bearer realm="sladesk"'}


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers at the request's path. Starlette's own 405
    names only the first route whose path matched, and FastAPI makes one route per method."""
    path = request.url.path
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.path and compile_path(route.path)[0].match(path):
            methods.update(route.methods)
    return sorted(methods)


def _unreadable_body(cause: BaseException | None) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return f"not UTF-8 text (byte {cause.start}: {cause.reason})"
    if isinstance(cause, RecursionError):
        return "nested too deep to read"
    return "the body cannot be read as its Content-Type says"


def _policy_detail(exc: PolicyError) -> str:
    n = len(exc.errors)
    return f"{n} problem{'s' if n != 1 else ''} in the policy"


_BY_STATUS: Final = {
    k.status: k
    for k in (NOT_AUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, CONTENT_TOO_LARGE, INVALID_REQUEST)
}


def _kind_for_status(status: int) -> ProblemKind:
    """Starlette's own errors (404 for an unknown path, 405) as problems."""
    known = _BY_STATUS.get(status)
    if known is not None:
        return known
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    slug = phrase.lower().replace(" ", "-").replace("'", "")
    return ProblemKind(slug, status, phrase)
