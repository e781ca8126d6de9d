"""HTML mail: readable text for HTML-only messages, and HTML safe to show to agents.

Sanitising is nh3's (the allow-list cleaner sladesk uses everywhere). Remote images stay
out: an ``<img>`` whose source is not an inline part (``cid:``) or a ``data:`` URL loses its
source, so opening a ticket never tells a sender that it was read. The original HTML stays
in the raw message.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

__all__ = ["html_to_text", "sanitize_html"]

_BLOCKS = frozenset(
    {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
     "blockquote", "pre", "hr", "section", "article", "header", "footer", "dd", "dt"}
)  # fmt: skip
_SKIPPED = frozenset({"script", "style", "head", "title", "template"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quote = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote += 1
            self.parts.append("\n")
        elif tag == "pre":
            self.pre += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.parts.append("\n")
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
        if self.quote:
            data = data.replace("\n", "\n" + "> " * self.quote)
            if not self.parts or self.parts[-1].endswith("\n"):
                data = "> " * self.quote + data.lstrip()
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text of ``html``: blocks on their own lines, quotes marked with ``>``, scripts,
    styles and the head left out."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if value.lower().startswith(("cid:", "data:image/")) else None
    if value.lower().lstrip().startswith("data:"):
        return None  # a data: link could carry a page of its own
    return value


def sanitize_html(html: str) -> str:
    """``html`` through nh3's allow-list, remote image sources removed."""
    return nh3.clean(
        html,
        clean_content_tags={"script", "style"},
        attribute_filter=_attribute,
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
    ).strip()
