"""Which modules are compiled with mypyc, and whether the compiled files match their sources.

The hot path of SLA evaluation (``NATIVE_MODULES``) is plain, typed Python that
``scripts/compile`` (run by ``scripts/bootstrap``) compiles with mypyc into extension
modules beside the sources, about 1.5x faster. Python imports an extension module in
preference to the ``.py`` of the same name, so a compiled file left behind after its source
changed would run the old code: the compile writes a stamp (``native-stamp.json``, the
SHA-256 of each source it compiled) beside the compiled files, and ``sladesk.sla`` refuses
to import while any compiled file is stale (:func:`check_fresh`). Without a compiler nothing
is compiled, and the same sources run as they are.

This module itself is never compiled, and imports nothing of sladesk: ``scripts/compile``
and ``tests/conftest.py`` read it without loading the compiled modules.
"""

from __future__ import annotations

import hashlib
import json
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Final

#: The modules compiled, by dotted name; all in ``sladesk.sla``, in one mypyc group.
NATIVE_MODULES: Final = (
    "sladesk.sla._clocks",
    "sladesk.sla._prepared",
    "sladesk.sla._construct",
    "sladesk.sla._history",
    "sladesk.sla._evaluate",
    "sladesk.sla._targets",
    "sladesk.sla._replay",
)
#: mypyc's shared library for the group: ``sladesk/sla/_native__mypyc.<suffix>``.
GROUP: Final = "sladesk.sla._native"
SHARED_LIB: Final = GROUP + "__mypyc"
STAMP_NAME: Final = "native-stamp.json"

#: ``src/`` in a checkout: the directory holding the ``sladesk`` package.
ROOT: Final = Path(__file__).resolve().parents[1]


class StaleNativeModules(ImportError):
    """Compiled modules that no longer match their sources."""


def source_path(module: str, root: Path = ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def stamp_path(root: Path = ROOT) -> Path:
    return root / "sladesk" / "sla" / STAMP_NAME


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compiled_files(root: Path = ROOT) -> dict[str, Path]:
    """The extension modules found in the package directories of ``NATIVE_MODULES``
    (whatever their names: a module dropped from the list still shadows its source), by
    dotted module name."""
    found: dict[str, Path] = {}
    for package in sorted({m.rpartition(".")[0] for m in NATIVE_MODULES}):
        directory = root.joinpath(*package.split("."))
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            for suffix in EXTENSION_SUFFIXES:
                if path.name.endswith(suffix):
                    found[f"{package}.{path.name[: -len(suffix)]}"] = path
                    break
    return found


def read_stamp(root: Path = ROOT) -> dict[str, str]:
    """Module name -> SHA-256 of the source each compiled file was built from ({} if none)."""
    try:
        data = json.loads(stamp_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    modules = data.get("modules") if isinstance(data, dict) else None
    if not isinstance(modules, dict):
        return {}
    return {str(k): str(v) for k, v in modules.items()}


def stale_modules(root: Path = ROOT) -> list[str]:
    """Compiled modules whose source changed (or vanished, or was never stamped) since the
    compile: each would shadow its current source. The shared library counts as stale
    while any module of the group is."""
    stamp = read_stamp(root)
    stale: list[str] = []
    for module in compiled_files(root):
        if module == SHARED_LIB:
            continue
        source = source_path(module, root)
        if not source.is_file() or stamp.get(module) != digest(source):
            stale.append(module)
    return stale


def needs_compile(root: Path = ROOT) -> bool:
    """Whether ``scripts/compile --if-stale`` has work to do: a module of the list is not
    compiled, or a compiled file is stale or not in the list."""
    files = compiled_files(root)
    wanted = {*NATIVE_MODULES, SHARED_LIB}
    return set(files) != wanted or bool(stale_modules(root))


def check_fresh(root: Path = ROOT) -> None:
    """Raise :class:`StaleNativeModules` naming the compiled modules that would shadow a
    changed source (``sladesk.sla`` calls this before importing them)."""
    stale = stale_modules(root)
    if stale:
        raise StaleNativeModules(
            "compiled modules are stale: run scripts/compile "
            f"(changed since compiled: {', '.join(stale)}; "
            "scripts/compile --clean removes them and runs pure Python)"
        )


def is_compiled(module: str) -> bool:
    """Whether ``module`` (already imported) was loaded from an extension module."""
    loaded = sys.modules.get(module)
    origin = getattr(loaded, "__file__", None) or ""
    return any(origin.endswith(suffix) for suffix in EXTENSION_SUFFIXES)
