"""The compiled SLA hot path (mypyc, ``scripts/compile``) against the pure Python sources.

The pure sources are the reference: the compiled modules must answer exactly what they
answer, and must never run once their source has changed. Where nothing is compiled (no C
compiler) the comparison is skipped, saying so; in CI (``SLADESK_REQUIRE_COMPILED=1``) it
fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from native_agreement import answers

import sladesk
import sladesk.sla
from sladesk import _native

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SRC = Path(sladesk.__file__).resolve().parents[1]
NOT_SOURCES = shutil.ignore_patterns(
    *(f"*{s}" for s in EXTENSION_SUFFIXES), "__pycache__", _native.STAMP_NAME
)


def _needs_compiled() -> None:
    if sladesk.sla.COMPILED:
        return
    reason = "sladesk.sla is not compiled (run scripts/compile; it needs a C compiler)"
    if os.environ.get("SLADESK_REQUIRE_COMPILED") == "1":
        pytest.fail(f"{reason}, and SLADESK_REQUIRE_COMPILED=1")
    pytest.skip(reason)


def _pure_copy(tmp_path: Path) -> Path:
    """``src/`` with the sladesk sources and none of the compiled files."""
    shutil.copytree(SRC / "sladesk", tmp_path / "src" / "sladesk", ignore=NOT_SOURCES)
    return tmp_path / "src"


def _python(src: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(HERE)])}
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False
    )


def test_compiled_means_every_hot_module_is_an_extension_module() -> None:
    loaded = {m: sys.modules[m].__file__ or "" for m in _native.NATIVE_MODULES}
    native = {m for m, f in loaded.items() if f.endswith(tuple(EXTENSION_SUFFIXES))}
    all_native = native == set(loaded)
    assert all_native is sladesk.sla.COMPILED, loaded
    _needs_compiled()
    assert _native.stale_modules() == []


def test_the_compiled_path_answers_what_the_pure_path_answers(tmp_path: Path) -> None:
    _needs_compiled()
    done = _python(_pure_copy(tmp_path), str(HERE / "native_agreement.py"))
    assert done.returncode == 0, done.stderr
    pure = json.loads(done.stdout)
    assert pure["compiled"] is False
    assert pure["file"].startswith(str(tmp_path))
    compiled = json.loads(json.dumps(answers()))
    assert len(compiled) == len(pure["answers"]) > 3_000
    mismatched = [a[0] for a, b in zip(compiled, pure["answers"], strict=True) if a != b]
    assert mismatched == []


def test_importing_a_stale_compiled_module_fails_and_says_what_to_do(tmp_path: Path) -> None:
    _needs_compiled()
    src = tmp_path / "src"
    shutil.copytree(SRC / "sladesk", src / "sladesk", ignore=shutil.ignore_patterns("__pycache__"))
    targets = src / "sladesk" / "sla" / "_targets.py"
    targets.write_text(targets.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    done = _python(src, "-c", "import sladesk.sla")
    assert done.returncode != 0
    assert "compiled modules are stale: run scripts/compile" in done.stderr
    assert "sladesk.sla._targets" in done.stderr


# -- the stamp, on a fake tree --------------------------------------------------------------


def _fake_tree(root: Path) -> Path:
    sla = root / "sladesk" / "sla"
    sla.mkdir(parents=True)
    for module in _native.NATIVE_MODULES:
        _native.source_path(module, root).write_text(f"# {module}\n", encoding="utf-8")
        so = _native.source_path(module, root).with_suffix(EXTENSION_SUFFIXES[0])
        so.write_bytes(b"")
    (sla / f"_native__mypyc{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    stamp = {m: _native.digest(_native.source_path(m, root)) for m in _native.NATIVE_MODULES}
    _native.stamp_path(root).write_text(json.dumps({"modules": stamp}), encoding="utf-8")
    return sla


def test_compiled_files_matching_the_stamp_are_fresh(tmp_path: Path) -> None:
    _fake_tree(tmp_path)
    assert _native.stale_modules(tmp_path) == []
    assert not _native.needs_compile(tmp_path)
    _native.check_fresh(tmp_path)


def test_an_edited_source_makes_its_compiled_module_stale(tmp_path: Path) -> None:
    sla = _fake_tree(tmp_path)
    (sla / "_targets.py").write_text("# edited\n", encoding="utf-8")
    assert _native.stale_modules(tmp_path) == ["sladesk.sla._targets"]
    assert _native.needs_compile(tmp_path)
    with pytest.raises(_native.StaleNativeModules, match="run scripts/compile"):
        _native.check_fresh(tmp_path)


def test_without_a_stamp_every_compiled_module_is_stale(tmp_path: Path) -> None:
    _fake_tree(tmp_path)
    _native.stamp_path(tmp_path).unlink()
    assert _native.stale_modules(tmp_path) == sorted(_native.NATIVE_MODULES)


def test_a_compiled_module_no_longer_listed_is_stale(tmp_path: Path) -> None:
    sla = _fake_tree(tmp_path)
    (sla / "_model.py").write_text("# pure\n", encoding="utf-8")
    (sla / f"_model{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    assert _native.stale_modules(tmp_path) == ["sladesk.sla._model"]


def test_nothing_compiled_is_never_stale_but_needs_a_compile(tmp_path: Path) -> None:
    sla = _fake_tree(tmp_path)
    for so in sla.glob(f"*{EXTENSION_SUFFIXES[0]}"):
        so.unlink()
    assert _native.stale_modules(tmp_path) == []
    assert _native.needs_compile(tmp_path)
