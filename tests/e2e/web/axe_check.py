"""The accessibility check of the browser tests: axe-core (from npm, ``package-lock.json``,
installed by ``scripts/bootstrap`` with ``npm ci``; used by the tests only, never served)
injected by Playwright into the page as it is shown, run over the WCAG 2.1 A/AA rules and
axe's best practices. A page passes with no serious or critical violation, and none at all
of the rules on labels, landmarks and contrast whatever axe rates them.

Without axe-core (no npm) the check is left out and says so once per run, unless
``SLADESK_REQUIRE_AXE=1`` (CI), where it fails instead: the rest of the browser tests still
run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
#: rules that fail whatever impact axe gives them: labels, landmarks, contrast
ALWAYS = {
    "label", "label-title-only", "select-name", "button-name", "link-name", "input-button-name",
    "color-contrast", "region", "landmark-one-main", "landmark-unique",
    "landmark-no-duplicate-main", "page-has-heading-one", "document-title", "html-has-lang",
    "form-field-multiple-labels",
}  # fmt: skip


_told: list[bool] = []


def axe_available() -> bool:
    if AXE.exists():
        return True
    if os.environ.get("SLADESK_REQUIRE_AXE") == "1":
        pytest.fail(f"axe-core is required (SLADESK_REQUIRE_AXE=1) but {AXE} is missing: npm ci")
    return False


def violations(page: Any) -> list[str]:
    """axe's findings on ``page`` as it is now, one line each (rule, impact, where)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))",
        TAGS,
    )
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for v in result
        if v["impact"] in ("serious", "critical") or v["id"] in ALWAYS
    ]


def check_page(page: Any) -> None:
    """Fail when ``page`` has a serious accessibility violation (skip without axe-core)."""
    if not axe_available():
        if not _told:
            _told.append(True)
            print(f"axe-core is not installed ({AXE}): accessibility not checked (npm ci)")
        return
    found = violations(page)
    assert not found, "\n".join(found)
