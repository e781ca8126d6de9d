"""Typed reads of plain YAML data that collect located errors instead of raising.

A policy file is checked in one pass so its author sees every problem at once. Each read here
takes a field path and a raw value, returns the typed value (or ``None`` when it cannot), and
records a :class:`~sladesk.errors.SpecError` placed at that path's line and column. No read
raises, whatever shape the data has, so a list where a mapping belongs is a message, never a
traceback.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sladesk.errors import SpecError
from sladesk.yaml_source import Document, Path, PathPart, describe

_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def known_list(names: Iterable[str]) -> str:
    shown = ", ".join(names)
    return f"known: {shown}" if shown else "none are defined"


def suggestion(word: str, choices: Iterable[str], *, cutoff: float = 0.75) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""


class Reader:
    """Reads fields of one document, keeping every problem found in :attr:`errors`."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.errors: list[SpecError] = []

    def error(self, path: Sequence[PathPart], message: str) -> None:
        self.errors.append(self.doc.error(path, message))

    def relocate(self, path: Sequence[PathPart], exc: SpecError) -> None:
        """Record an error raised without a location (a duration, a threshold) at ``path``."""
        self.error(path, exc.message)

    def mapping(
        self,
        path: Path,
        value: object,
        *,
        allowed: Sequence[str],
        required: Sequence[str] = (),
        what: str = "a mapping",
    ) -> dict[str, Any] | None:
        """The mapping at ``path`` restricted to ``allowed`` keys; unknown and missing keys
        are reported. ``None`` (and an error) if it is not a mapping."""
        if not isinstance(value, dict):
            self.error(path, f"expected {what}, got {describe(value)}")
            return None
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in allowed:
                out[key] = item
            else:
                hint = suggestion(key, allowed)
                self.error(
                    (*path, key), f"unknown key {key!r}{hint} (allowed: {', '.join(allowed)})"
                )
        for key in required:
            if key not in value:
                self.error((*path, key), f"missing required key {key!r}")
        return out

    def keyed(self, path: Path, value: object, *, what: str) -> dict[str, Any] | None:
        """A mapping whose keys the author names (priorities, plans...): each key must be a
        plain name. Keys that are not are reported and left out."""
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping of {what}, got {describe(value)}")
            return None
        out: dict[str, Any] = {}
        for key, item in value.items():
            if self.check_key((*path, key), key):
                out[key] = item
        return out

    def check_key(self, path: Path, key: str) -> bool:
        if _KEY_RE.match(key):
            return True
        self.error(
            path,
            f"{key!r} is not a valid name (use letters, digits, '_', '-' and '.', "
            "starting with a letter, digit or '_')",
        )
        return False

    def string(self, path: Path, value: object, *, what: str = "a string") -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, str):
            self.error(path, f"expected {what}, got an empty string")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self.error(path, f"expected {what}, got {describe(value)} (quote it: '{value}')")
        else:
            self.error(path, f"expected {what}, got {describe(value)}")
        return None

    def boolean(self, path: Path, value: object) -> bool | None:
        if isinstance(value, bool):
            return value
        self.error(path, f"expected true or false, got {describe(value)}")
        return None

    def integer(self, path: Path, value: object, *, minimum: int = 0) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            if value >= minimum:
                return value
            self.error(path, f"expected a whole number of at least {minimum}, got {value}")
            return None
        self.error(path, f"expected a whole number, got {describe(value)}")
        return None

    def url(self, path: Path, value: object) -> str | None:
        text = self.string(path, value, what="a URL")
        if text is None:
            return None
        if not text.startswith(("https://", "http://")):
            self.error(path, f"expected an http(s) URL, got {text!r}")
            return None
        return text

    def names(
        self,
        path: Path,
        value: object,
        *,
        kind: str,
        known: Sequence[str] | None = None,
        scalar: bool = True,
        allow_empty: bool = False,
    ) -> tuple[str, ...] | None:
        """A list of names (a scalar counts as a one-element list when ``scalar``). Each name
        must be in ``known`` unless ``known`` is ``None`` (not checkable: its section is
        broken, or the names are free-form). Repeats are reported."""
        if scalar and isinstance(value, str | int) and not isinstance(value, bool):
            items: list[Any] = [value]
            paths: list[Path] = [path]
        elif isinstance(value, list):
            items = value
            paths = [(*path, i) for i in range(len(value))]
        else:
            article = "an" if kind[0] in "aeiou" else "a"
            single = f"{article} {kind} or " if scalar else ""
            self.error(path, f"expected {single}a list of {kind} names, got {describe(value)}")
            return None
        if not items and not allow_empty:
            self.error(
                path, f"an empty list of {kind} names matches nothing (leave the key out instead)"
            )
            return None
        out: list[str] = []
        ok = True
        for item, item_path in zip(items, paths, strict=True):
            if isinstance(item, int) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                self.error(item_path, f"expected a {kind} name, got {describe(item)}")
                ok = False
                continue
            name = item.strip()
            if known is not None and name not in known:
                self.error(
                    item_path,
                    f"unknown {kind} {name!r}{suggestion(name, known)} ({known_list(known)})",
                )
                ok = False
            elif name in out:
                self.error(item_path, f"{kind} {name!r} is listed twice")
            else:
                out.append(name)
        return tuple(out) if ok else None

    def text(self, path: Path, value: object, locales: Sequence[str] | None) -> dict[str, str]:
        """A locale -> text mapping that must hold every locale of the policy, and no other."""
        if not isinstance(value, dict):
            hint = " such as {en: ...}" if not locales else f" such as {{{locales[0]}: ...}}"
            self.error(path, f"expected a mapping of locale to text{hint}, got {describe(value)}")
            return {}
        out: dict[str, str] = {}
        for loc, item in value.items():
            if locales is not None and loc not in locales:
                self.error(
                    (*path, loc),
                    f"locale {loc!r} is not one of the policy's locales ({', '.join(locales)})",
                )
                continue
            text = self.string((*path, loc), item, what="a text")
            if text is not None:
                out[loc] = text
        for loc in locales or ():
            if loc not in value:
                self.error(path, f"missing the {loc!r} text (every locale of the policy is needed)")
        return out
