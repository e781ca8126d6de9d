"""The admin console's policy editor: the policy in force in a textarea (or a file to
upload), checked with every problem shown at its line, a diff against the version in force
(``difflib``, drawn on the server), publishing (with how many open tickets were
re-evaluated), and the list of versions with who published each and when.

Admins only (``admin_page``): another agent gets 403, a contact 404; the services check
the role again. Everything works as plain forms; nothing here needs JavaScript.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sladesk import services
from sladesk.errors import PolicyError, SpecError
from sladesk.services import Conflict
from sladesk.web._context import Page, admin_page

router = APIRouter()
#: "What would this have changed?": the policy editor back-tests a draft on this many days
BACKTEST_DAYS = 90
BACKTEST_LISTED = 50

#: the largest policy file the form takes (the loader refuses larger ones by itself too)
MAX_UPLOAD = 1_000_000


@dataclass(frozen=True)
class DiffLine:
    kind: str  # same | add | del | hunk
    old: int | None
    new: int | None
    text: str


@dataclass(frozen=True)
class Listing:
    """One line of the submitted text, with the problems found on it."""

    number: int
    text: str
    problems: tuple[SpecError, ...]


def diff_lines(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """``new`` against ``old`` as lines to draw: unchanged context, removed and added lines
    with their numbers in each text, and a ``hunk`` line between distant changes."""
    a, b = old.splitlines(), new.splitlines()
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first = group[0]
        out.append(DiffLine("hunk", first[1] + 1, first[3] + 1, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(
                    DiffLine("same", i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(i2 - i1)
                )
                continue
            if tag in ("replace", "delete"):
                out.extend(DiffLine("del", i + 1, None, a[i]) for i in range(i1, i2))
            if tag in ("replace", "insert"):
                out.extend(DiffLine("add", None, j + 1, b[j]) for j in range(j1, j2))
    return out


def listing(text: str, errors: tuple[SpecError, ...] | list[SpecError]) -> list[Listing]:
    """The text's lines numbered, each with its problems (every problem is also listed above
    the listing, linked to its line when it has one within the text)."""
    by_line: dict[int, list[SpecError]] = {}
    for e in errors:
        if e.location.line is not None:
            by_line.setdefault(e.location.line, []).append(e)
    return [
        Listing(n, line, tuple(by_line.get(n, ())))
        for n, line in enumerate(text.splitlines() or [""], start=1)
    ]


def _editor(
    p: Page,
    text: str,
    *,
    status: int = 200,
    errors: tuple[SpecError, ...] | list[SpecError] = (),
    checked: bool = False,
    refusal: str | None = None,
    backtest: services.BacktestReport | None = None,
) -> Response:
    actor = p.actor
    current = services.get_current_policy(p.uow(), p.clock, actor)
    versions = services.list_policy_versions(p.uow(), p.clock, actor)
    old = current.text if current is not None else ""
    lines = listing(text, errors) if errors else []
    return p.render(
        "admin_policy.html", status=status, text=text, current=current, versions=versions,
        errors=list(errors), lines=lines, checked=checked, refusal=refusal,
        diff=diff_lines(old, text) if text and text != old else [],
        same=bool(text) and text == old, backtest=backtest, backtest_days=BACKTEST_DAYS,
    )  # fmt: skip


@router.get("/admin", response_class=HTMLResponse)
def admin_home(request: Request) -> Response:
    admin_page(request)
    return RedirectResponse("/admin/policy", status_code=303)


@router.get("/admin/policy", response_class=HTMLResponse)
def policy_editor(request: Request) -> Response:
    p = admin_page(request)
    current = services.get_current_policy(p.uow(), p.clock, p.actor)
    return _editor(p, current.text if current is not None else "")


@router.post("/admin/policy", response_class=HTMLResponse)
def policy_submit(
    request: Request,
    text: str = Form(""),
    upload: UploadFile | None = File(None),
    action: str = Form("check"),
    csrf_token: str = Form(""),
) -> Response:
    """Check (``action=check``) or publish the text of the textarea, or of an uploaded file
    when one is sent. A valid text published goes back to the editor with how many open
    tickets were re-evaluated; any problem keeps the text and shows where it is."""
    p = admin_page(request)
    p.check_csrf(csrf_token)
    actor = p.actor
    name = "policy.yaml"
    if upload is not None and upload.filename:
        raw = upload.file.read(MAX_UPLOAD + 1)
        text, name = raw.decode("utf-8", errors="replace"), upload.filename
    text = text.replace("\r\n", "\n")
    if len(text.encode()) > MAX_UPLOAD:
        return _editor(p, "", status=422, refusal=p._("The file is too large."))
    try:
        check = services.validate_policy(p.uow(), p.clock, actor, text, source=name)
    except PolicyError as exc:
        return _editor(p, text, status=422, errors=exc.errors, checked=True)
    if not check.valid:
        return _editor(p, text, status=422, errors=check.errors, checked=True)
    if action == "backtest":
        since = p.clock.now() - timedelta(days=BACKTEST_DAYS)
        report = services.backtest_policy(p.uow(), p.clock, actor, text, source=name,
                                          since=since, max_listed=BACKTEST_LISTED)  # fmt: skip
        return _editor(p, text, checked=True, backtest=report)
    if action != "publish":
        return _editor(p, text, checked=True)
    try:
        view = services.publish_policy(p.uow(), p.clock, actor, text, source=name)
    except PolicyError as exc:
        return _editor(p, text, status=422, errors=exc.errors, checked=True)
    except Conflict as exc:
        return _editor(p, text, status=409, checked=True, refusal=str(exc))
    if view.unchanged:
        return p.redirect("/admin/policy", p._("This text is already the version in force."))
    notice = p._("Published %(name)s %(version)s: %(count)s open tickets re-evaluated.") % {
        "name": view.name,
        "version": view.version,
        "count": view.reevaluated_tickets,
    }
    return p.redirect("/admin/policy", notice)
