"""The approved message templates of the WhatsApp Business Account, listed from the Cloud
API and cached by the jobs' runner (imported by the jobs only, like ``sending``).

As Meta documents it (developers.facebook.com/docs/graph-api/reference/whats-app-business-
account/message_templates): ``GET {api_base}/{waba_id}/message_templates`` with the bearer
token answers ``{"data": [{"name", "language", "status", "category", "parameter_format",
"components": [{"type": "BODY", "text": "Hello {{1}}", "example": {"body_text":
[["Zé"]]}}, ...]}], "paging": {"cursors": {"after"}, "next"}}``. We ask for
``status=APPROVED`` (only those may be sent) and follow ``paging.cursors.after`` on our own
base URL (never the ``next`` URL the answer names), at most :data:`MAX_PAGES` pages.

:func:`read_templates` is pure (a page's JSON in, values out); :func:`fetch_templates` does
the I/O; :class:`TemplatesRefreshJob` stores what it lists (``services.store_whatsapp_
templates``) once per interval. A failed listing keeps the cache as it was (logged), and
is tried again five minutes later (or after the interval, when shorter).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from sladesk.jobs.runner import IntervalJob
from sladesk.services import Clock, WhatsAppTemplate, store_whatsapp_templates
from sladesk.store import UnitOfWork

__all__ = ["MAX_PAGES", "TemplatesRefreshJob", "TemplatesUnavailable", "fetch_templates",
           "read_templates"]  # fmt: skip

log = logging.getLogger("sladesk.channels.whatsapp")
MAX_PAGES = 50
_FIELDS = "name,language,status,category,parameter_format,components"


class TemplatesUnavailable(Exception):
    """The API did not list the templates (not reachable, refused, not its answer)."""


def read_templates(doc: Any) -> tuple[list[WhatsAppTemplate], str | None]:
    """The approved templates of one page and the cursor of the next (None: the last)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise TemplatesUnavailable("the answer is not a list of templates")
    found: list[WhatsAppTemplate] = []
    for t in doc["data"]:
        if not isinstance(t, dict) or t.get("status") != "APPROVED":
            continue
        name, language = t.get("name"), t.get("language")
        if not isinstance(name, str) or not isinstance(language, str) or not name:
            continue
        components: list[Any] = _of(t.get("components"), list, [])
        body: dict[str, Any] = next(
            (c for c in components if isinstance(c, dict) and c.get("type") == "BODY"), {}
        )
        text: str = _of(body.get("text"), str, "")
        found.append(WhatsAppTemplate(name, language, str(t.get("category") or ""), text,
                                      _examples(body.get("example"))))  # fmt: skip
    paging: dict[str, Any] = _of(doc.get("paging"), dict, {})
    cursors: dict[str, Any] = _of(paging.get("cursors"), dict, {})
    after = cursors.get("after") if paging.get("next") else None
    return found, after if isinstance(after, str) and after else None


def _of(value: Any, kind: type, default: Any) -> Any:
    return value if isinstance(value, kind) else default


def _examples(example: Any) -> tuple[str, ...]:
    """Meta's example values of the body's parameters (positional or named)."""
    if not isinstance(example, dict):
        return ()
    positional = example.get("body_text")
    if isinstance(positional, list) and positional and isinstance(positional[0], list):
        return tuple(str(v) for v in positional[0])
    named = example.get("body_text_named_params")
    if isinstance(named, list):
        return tuple(str(p.get("example", "")) for p in named if isinstance(p, dict))
    return ()


def fetch_templates(
    base: str, token: str, waba_id: str, client: httpx.Client
) -> list[WhatsAppTemplate]:
    """Every approved template of the account (all pages)."""
    url = f"{base.rstrip('/')}/{waba_id}/message_templates"
    headers = {"Authorization": f"Bearer {token}"}
    templates: list[WhatsAppTemplate] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        params = {"fields": _FIELDS, "status": "APPROVED", "limit": "100"}
        if after is not None:
            params["after"] = after
        try:
            response = client.get(url, params=params, headers=headers)
            doc = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            raise TemplatesUnavailable(f"GET {url}: {type(exc).__name__}: {exc}") from exc
        if doc is None:
            raise TemplatesUnavailable(f"GET {url}: HTTP {response.status_code}")
        page, after = read_templates(doc)
        templates += page
        if after is None:
            return templates
    log.warning("WhatsApp templates: more than %d pages, the rest not listed", MAX_PAGES)
    return templates


class TemplatesRefreshJob(IntervalJob):
    """Lists the templates and stores them, at most once per ``interval`` (the runner's
    :class:`IntervalJob`, on one unit of work like the other interval jobs)."""

    name = "whatsapp-templates"

    def __init__(self, uow: UnitOfWork, clock: Clock, fetch: Callable[[], list[
                 WhatsAppTemplate]], *, interval: timedelta) -> None:  # fmt: skip
        super().__init__(uow, clock, interval=interval)
        self.fetch = fetch

    def run_once(self) -> int:
        now = self.clock.now()
        if not self.due(now):
            return 0
        self._next = now + self.interval
        try:
            templates = self.fetch()
        except TemplatesUnavailable as exc:
            log.warning("WhatsApp templates not listed (the cache is kept): %s", exc)
            self._next = now + min(self.interval, timedelta(minutes=5))
            return 0
        return store_whatsapp_templates(self.uow, self.clock, templates)
