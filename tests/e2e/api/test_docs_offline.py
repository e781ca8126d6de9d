"""``/api/docs`` works without Internet access (issue 11, item 13): the page and every file it
loads come from the app itself, from an installed package, and nothing names another host."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import httpx

#: src="..." / href="..." / url: '...' on the page
_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|\burl\s*:\s*["']([^"']+)["']""")


def test_the_docs_page_and_its_assets_are_served_by_the_app(http: httpx.Client) -> None:
    page = http.get("/api/docs")
    assert page.status_code == 200
    html = page.text
    references = [a or b for a, b in _REFERENCE.findall(html)]
    assert references, html
    assert not re.search(r"(?i)\b(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html), html
    assert "cdn" not in html.lower()
    assert '"validatorUrl": null' in html  # Swagger UI's online validator badge is off
    fetched = {}
    for ref in references:
        assert not urlsplit(ref).netloc, ref
        r = http.get(urljoin("/api/docs", ref))
        assert r.status_code == 200, ref
        fetched[urlsplit(ref).path] = r
    kinds = {path.rsplit(".", 1)[-1]: r for path, r in fetched.items()}
    assert set(kinds) >= {"js", "css", "png", "json"}, sorted(fetched)
    assert "javascript" in kinds["js"].headers["content-type"]
    assert b"SwaggerUIBundle" in kinds["js"].content and len(kinds["js"].content) > 500_000
    assert kinds["css"].headers["content-type"].startswith("text/css")
    assert kinds["json"].json()["openapi"].startswith("3.")
