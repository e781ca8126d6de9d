"""A form's answer, written once for every page: after the handler has checked the form's
CSRF token (``Page.check_csrf``, first, in every state-changing handler, so that a reader
sees it there) and read its fields, :func:`answer` makes the one service call and answers —
a refusal shown to the person (a notice on the page the form came from, or the page drawn
again with the error and a 422), a success redirected (303) with an optional notice, or
answered from what the service returned.

``REFUSALS`` are the errors a service raises for bad input; a page whose forms may also meet
a missing or forbidden record passes its own tuple.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi.responses import Response

from sladesk.services import Conflict, InvalidRequest, TicketRuleError
from sladesk.web._context import Page

#: what a state-changing handler may raise for bad input: shown to the person as a notice
REFUSALS: tuple[type[Exception], ...] = (InvalidRequest, TicketRuleError, Conflict)

T = TypeVar("T")


def answer(
    p: Page,
    action: Callable[[], T],
    *,
    back: str | Callable[[str], Response],
    done: str | Callable[[T], Response] | None = None,
    notice: str | None = None,
    refusals: tuple[type[Exception], ...] = REFUSALS,
) -> Response:
    """Run ``action`` (the form's one service call) and answer the form with the outcome.

    Refused (one of ``refusals``): ``back`` — a URL, redirected to with the refusal's text as
    the notice; or a function of that text that draws the form's page again.
    Done: ``done`` — a URL (``back`` when it is one and ``done`` is None), redirected to with
    ``notice``; or a function of the action's result that answers.
    """
    try:
        result = action()
    except refusals as exc:
        return p.redirect(back, str(exc)) if isinstance(back, str) else back(str(exc))
    if callable(done):
        return done(result)
    to = done if done is not None else back
    if not isinstance(to, str):
        raise TypeError("a form whose refusal draws a page needs a done URL or function")
    return p.redirect(to, notice)


__all__ = ["REFUSALS", "answer"]
