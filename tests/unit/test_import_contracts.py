"""The import-linter contracts that keep each package's private modules its own
(``pyproject.toml``) name every private module there is: a module added without being listed
would be importable from anywhere, and the contract would keep passing."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
GUARDED = ("store", "calendar", "policy", "sla", "tickets", "api", "services", "http")


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _private_modules(package: str) -> set[str]:
    found = set()
    for path in (SRC / "sladesk" / package).rglob("_*.py"):
        if path.name == "__init__.py" or "migrations" in path.parts:
            continue
        found.add(".".join(path.with_suffix("").relative_to(SRC).parts))
    return found


@pytest.mark.parametrize("package", GUARDED)
def test_every_private_module_of_the_package_is_guarded(package: str) -> None:
    forbidden: set[str] = set()
    for contract in _contracts():
        sources = contract.get("source_modules", [])
        assert isinstance(sources, list)
        if contract.get("type") == "forbidden" and f"sladesk.{package}" not in sources:
            modules = contract.get("forbidden_modules", [])
            assert isinstance(modules, list)
            forbidden |= {m for m in modules if m.startswith(f"sladesk.{package}.")}
    assert _private_modules(package) - forbidden == set()


@pytest.mark.parametrize("package", GUARDED)
def test_every_other_package_is_held_by_the_contract(package: str) -> None:
    tops = {p.name for p in (SRC / "sladesk").iterdir() if (p / "__init__.py").exists()}
    wanted = {f"sladesk.{t}" for t in tops - {package}}
    for contract in _contracts():
        modules = contract.get("forbidden_modules", [])
        assert isinstance(modules, list)
        if any(str(m).startswith(f"sladesk.{package}._") for m in modules):
            sources = contract.get("source_modules", [])
            assert isinstance(sources, list)
            assert wanted <= set(sources), contract["name"]
