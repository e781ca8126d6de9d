"""scripts/compile: mypyc-compile ``sladesk._native.NATIVE_MODULES`` in place (see that script).

The build runs in a child process (its output goes to build/mypyc/build.log) into
build/mypyc/, and the files are then moved beside the sources with ``os.replace``: a process
that has the old files loaded keeps its mapping, and one importing meanwhile finds either the
old file or the new, never a half-written one. The stamp is written last. A lock file
serialises concurrent runs (several checkouts' scripts share one tree here).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
BUILD = REPO / "build" / "mypyc"
sys.path.insert(0, str(SRC))

from sladesk import _native  # noqa: E402  (after the path: the checkout's own sources)

REQUIRE = os.environ.get("SLADESK_REQUIRE_COMPILED") == "1"


def say(text: str) -> None:
    print(f"scripts/compile: {text}", file=sys.stderr, flush=True)


def missing_tools() -> list[str]:
    """What the build needs and this environment lacks."""
    missing: list[str] = []
    for module, what in (("mypyc", "mypy (mypyc)"), ("setuptools", "setuptools")):
        try:
            __import__(module)
        except ImportError:
            missing.append(what)
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        missing.append(f"a C compiler ({cc})")
    include = sysconfig.get_paths().get("include", "")
    if not (Path(include) / "Python.h").is_file():
        missing.append(f"the Python headers (Python.h in {include})")
    return missing


def clean() -> list[Path]:
    """Remove every compiled file and the stamp; returns what was removed."""
    removed = list(_native.compiled_files().values())
    stamp = _native.stamp_path()
    if stamp.exists():
        removed.append(stamp)
    for path in removed:
        path.unlink()
    return removed


def build() -> None:
    """The child process: mypycify and build_ext into BUILD/lib (never in place)."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    os.chdir(REPO)  # mypy reads pyproject.toml's [tool.mypy] from here
    paths = [str(_native.source_path(m).relative_to(REPO)) for m in _native.NATIVE_MODULES]
    extensions = mypycify(
        paths, opt_level="3", group_name=_native.GROUP, target_dir=str(BUILD / "c")
    )
    dist = Distribution({"name": "sladesk-native", "ext_modules": extensions})
    cmd = dist.get_command_obj("build_ext")
    cmd.build_lib = str(BUILD / "lib")
    cmd.build_temp = str(BUILD / "temp")
    dist.run_command("build_ext")


def install(digests: dict[str, str]) -> list[str]:
    """Move the built files beside the sources, drop compiled files no longer built, and
    write the stamp (``digests``: the sources as they were when the build started)."""
    lib = BUILD / "lib"
    built: dict[str, Path] = {}
    for path in lib.rglob("*"):
        for suffix in EXTENSION_SUFFIXES:
            if path.name.endswith(suffix):
                rel = path.relative_to(lib)
                built[".".join((*rel.parent.parts, path.name[: -len(suffix)]))] = rel
                break
    wanted = {*_native.NATIVE_MODULES, _native.SHARED_LIB}
    if set(built) != wanted:
        raise SystemExit(f"build produced {sorted(built)}, expected {sorted(wanted)}")
    stamp = _native.stamp_path()
    stamp.unlink(missing_ok=True)  # while files move, nothing counts as fresh
    for module, path in _native.compiled_files().items():
        if module not in wanted or path.name != built[module].name:
            path.unlink()
    for rel in built.values():
        target = SRC / rel
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(lib / rel, tmp)
        os.replace(tmp, target)
    data = {
        "python": sys.version.split()[0],
        "modules": {m: digests[m] for m in _native.NATIVE_MODULES},
    }
    tmp = stamp.with_name(stamp.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, stamp)
    return sorted(built)


def fall_back(why: str) -> int:
    """Nothing compiled: remove what would be stale, say why, and exit 0 (pure Python, slower)
    or 1 where compiled modules are required (CI)."""
    removed = [p for p in clean() if p.suffix != ".json"]
    level = "error" if REQUIRE else "note"
    say(
        f"{level}: {why}; SLA evaluation runs as pure Python, slower"
        + (f"; removed {len(removed)} compiled file(s) that would be stale" if removed else "")
    )
    return 1 if REQUIRE else 0


def compile_now() -> int:
    missing = missing_tools()
    if missing:
        return fall_back(f"cannot compile (missing {', '.join(missing)})")
    digests = {m: _native.digest(_native.source_path(m)) for m in _native.NATIVE_MODULES}
    if BUILD.exists():
        shutil.rmtree(BUILD / "lib", ignore_errors=True)
    BUILD.mkdir(parents=True, exist_ok=True)
    log = BUILD / "build.log"
    say(
        f"compiling the SLA hot path ({len(digests)} modules) with mypyc: first run, or after"
        f" its sources changed; usually 15-40 s (log: {log.relative_to(REPO)})"
    )
    t0 = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            [sys.executable, __file__, "--build-child"],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        print("\n".join(tail), file=sys.stderr)
        return fall_back(f"the mypyc build failed (above; whole log in {log})")
    modules = install(digests)
    say(f"compiled {', '.join(modules)} in {time.monotonic() - t0:.0f} s")
    if _native.stale_modules():  # a source changed during the build: compile again
        say("a source changed while compiling: compiling again")
        return compile_now()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="mypyc-compile sladesk's SLA hot path")
    parser.add_argument("--if-stale", action="store_true", help="only when out of date")
    parser.add_argument("--clean", action="store_true", help="remove the compiled files")
    parser.add_argument("--build-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_child:
        build()
        return 0
    BUILD.mkdir(parents=True, exist_ok=True)
    with (BUILD / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if args.clean:
            removed = clean()
            say(f"removed {len(removed)} file(s): SLA evaluation runs as pure Python")
            return 0
        if args.if_stale and not _native.needs_compile():
            return 0
        return compile_now()


if __name__ == "__main__":
    sys.exit(main())
