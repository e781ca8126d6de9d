"""Session-wide guards.

The SLA hot path may run compiled (mypyc, ``scripts/compile``). A compiled file whose source
changed since would run the old code in place of the new, so the session stops at once when
any is stale (``scripts/test`` recompiles first; plain ``python -m pytest`` does not).
"""

from __future__ import annotations

import pytest

from sladesk import _native


def pytest_configure(config: pytest.Config) -> None:
    stale = _native.stale_modules()
    if stale:
        raise pytest.UsageError(
            "compiled modules are stale: run scripts/compile "
            f"(changed since compiled: {', '.join(stale)}; "
            "scripts/compile --clean runs pure Python instead)"
        )


def pytest_report_header(config: pytest.Config) -> str:
    import sladesk.sla

    return "sladesk.sla: " + ("compiled (mypyc)" if sladesk.sla.COMPILED else "pure Python")
