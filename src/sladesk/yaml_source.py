"""YAML documents that remember where each value came from.

Policy, calendar and scenario files are written by people; when one is wrong the error must
name the file, line, column and field path. PyYAML's composer keeps a mark on every node, so
we build plain Python data from the node tree and keep a map from field path to position.
Duplicate keys, which PyYAML would silently overwrite, are reported as errors.

Some of these files come from outside (a policy submitted over the API), so reading one is
bounded before anything is built: a size limit, a nesting limit, and no anchors or aliases
(``&name`` / ``*name``), whose nested reuse turns a few hundred bytes into billions of values
(the "billion laughs"). None of the files sladesk reads needs them; each is refused with its
line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from sladesk.errors import LimitError, Location, SpecError

PathPart = str | int
Path = tuple[PathPart, ...]


def format_path(path: Sequence[PathPart]) -> str:
    """``("rules", 0, "when", "type")`` -> ``rules[0].when.type``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class Document:
    """Plain data (dicts, lists, str, int, float, bool, None) plus positions by field path."""

    data: Any
    source: str
    positions: Mapping[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Sequence[PathPart]) -> Location:
        """The location of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while True:
            pos = self.positions.get(p)
            if pos is not None:
                return Location(self.source, pos[0], pos[1], format_path(path))
            if not p:
                return Location(self.source, None, None, format_path(path))
            p = p[:-1]

    def error(self, path: Sequence[PathPart], message: str) -> SpecError:
        return SpecError(message, self.where(path))


#: the largest text :func:`load_yaml` reads unless told otherwise (characters)
MAX_CHARS: Final = 1_000_000
#: collections nested deeper than this are refused (the files sladesk reads need under ten)
MAX_DEPTH: Final = 64

#: libyaml's composer when available (about 10x faster); nodes carry the same marks.
_ComposeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_ComposeLoader)
    except yaml.YAMLError:
        # Errors are rare; the pure-Python composer words them better ("but got ':'").
        return yaml.compose(text, Loader=yaml.SafeLoader)


def _check_bounds(text: str, source: str, max_chars: int) -> None:
    """Refuse, before composing, what would make reading costly: too much text, aliases and
    anchors, nesting past :data:`MAX_DEPTH`. Syntax errors are left to the composer, which
    words them."""
    if len(text) > max_chars:
        line = text.count("\n", 0, max_chars) + 1
        raise LimitError(
            f"the file is too large: {len(text):,} characters, at most {max_chars:,} are read",
            Location(source, line),
        )
    try:
        _scan(yaml.parse(text, Loader=_ComposeLoader), source)
    except yaml.YAMLError:
        # libyaml reads a flow collection ahead and gives up at 1,000 levels before we have
        # counted ours; the pure-Python parser hands over one event at a time
        try:
            _scan(yaml.parse(text, Loader=yaml.SafeLoader), source)
        except yaml.YAMLError:
            return  # not valid YAML: the composer says where and why


def _scan(events: Iterable[yaml.Event], source: str) -> None:
    depth = 0
    for event in events:
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise _at(
                source, mark, f"aliases are not allowed (*{event.anchor}): write the value out"
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _at(source, mark, f"anchors are not allowed (&{anchor}): write the value out")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _at(source, mark, f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _at(source: str, mark: Any, message: str) -> LimitError:
    return LimitError(message, Location(source, mark.line + 1, mark.column + 1))


def load_yaml(text: str, source: str = "<string>", *, max_chars: int = MAX_CHARS) -> Document:
    """Parse one YAML document; raise :class:`SpecError` (with line and column) if it is not
    valid YAML, repeats a key, is longer than ``max_chars``, nests too deep or uses anchors
    and aliases."""
    _check_bounds(text, source, max_chars)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise SpecError(
            f"not valid YAML: {exc.problem or exc}", Location(source, line, col)
        ) from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", Location(source)) from exc
    positions: dict[Path, tuple[int, int]] = {}
    if node is None:
        return Document(None, source, positions)
    constructor = yaml.SafeLoader("")
    data = _build(node, (), positions, source, constructor)
    return Document(data, source, positions)


def _build(
    node: yaml.Node,
    path: Path,
    positions: dict[Path, tuple[int, int]],
    source: str,
    constructor: yaml.SafeLoader,
) -> Any:
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        constructor.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError(
                    "mapping keys must be plain scalars",
                    Location(
                        source,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        format_path(path),
                    ),
                )
            # Keys are always their text: `on`, `1` and `2026-01-01` stay strings.
            skey = str(key_node.value)
            if skey in out:
                raise SpecError(
                    f"duplicate key {skey!r}",
                    Location(
                        source,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        format_path((*path, skey)),
                    ),
                )
            out[skey] = _build(value_node, (*path, skey), positions, source, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, i), positions, source, constructor)
            for i, item in enumerate(node.value)
        ]
    if node.tag == "tag:yaml.org,2002:bool" and node.value.lower() not in ("true", "false"):
        return str(node.value)  # YAML 1.1's yes/no/on/off stay words, as in YAML 1.2
    try:
        value = constructor.construct_object(node, deep=True)
    except ValueError as exc:  # an integer of thousands of digits, say
        raise SpecError(
            f"cannot read this value: {exc}",
            Location(
                source, node.start_mark.line + 1, node.start_mark.column + 1, format_path(path)
            ),
        ) from None
    # YAML 1.1 turns 2026-03-06 into a date and 2026-03-06T20:00:00Z into a datetime; we keep
    # the text and let each field parse its own instants, so errors and time zones stay exact.
    if node.tag == "tag:yaml.org,2002:timestamp":
        return str(node.value)
    return value


def describe(value: object) -> str:
    """How a wrong value is named in a message: ``a list``, ``the number 3``, ``'abc'``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
