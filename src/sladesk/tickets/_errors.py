"""Errors of the ticket rules and of access, part of the tree drawn in ``sladesk.errors``::

    SladeskError
    ├── TicketRuleError (ValueError)       a command the ticket rules do not allow (422)
    ├── InvalidRequest (ValueError)        input that names a field and is wrong (422)
    ├── NotFound (LookupError)             absent, or not visible to the caller (404)
    ├── Forbidden (PermissionError)        visible, but the caller's role may not do this (403)
    ├── Conflict                           a unique value already taken (409)
    └── AuthenticationFailed               an unknown, malformed or revoked token (401)

They live beside the rules because the pure core raises them; services and adapters import
them from :mod:`sladesk.tickets` (or :mod:`sladesk.services`, which re-exports them).
"""

from __future__ import annotations

from sladesk.errors import SladeskError


class TicketRuleError(SladeskError, ValueError):
    """A command the ticket rules refuse. ``code`` is stable (``ticket.note.contact``);
    ``field`` names the offending argument when there is one."""

    code: str

    def __init__(
        self,
        message: str,
        *,
        code: str = "ticket.rule",
        field: str | None = None,
        forbidden: bool = False,
    ) -> None:
        self.message = message
        self.code = code
        self.field = field
        #: True when the refusal is about who the caller is (an adapter may answer 403)
        self.forbidden = forbidden
        super().__init__(message)


class InvalidRequest(SladeskError, ValueError):
    """Input that is wrong on its face: an unknown priority, a bad e-mail address..."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        self.message = message
        self.field = field
        self.code = code
        super().__init__(f"{field}: {message}" if field else message)


class NotFound(SladeskError, LookupError):
    """Absent, or outside the caller's scope: the two are never told apart."""

    def __init__(self, what: str, ident: object) -> None:
        self.what = what
        self.ident = ident
        super().__init__(f"{what} {ident} not found")


class Forbidden(SladeskError, PermissionError):
    """The caller may see the thing but their role may not do this to it."""


class Conflict(SladeskError):
    """A value that must be unique is taken (an e-mail, a slug...)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class AuthenticationFailed(SladeskError):
    """An unknown, malformed or revoked API token (the message never says which)."""

    def __init__(self) -> None:
        super().__init__("invalid or revoked token")
