"""The HTML a message is stored with: what was sent cleaned (nh3), or its text escaped into
paragraphs. Done before the transaction begins where it can be (SQLite's write lock)."""

from __future__ import annotations

import html

import nh3


def sanitize(body: str, body_html: str | None) -> str:
    """Safe HTML for a message: the given HTML cleaned, or the text escaped in paragraphs."""
    if body_html is not None:
        return nh3.clean(body_html)
    paragraphs = [p for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
