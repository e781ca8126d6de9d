"""Whatever shape a policy file has, checking it gives located errors, never a traceback.

Every field of two valid policies is replaced in turn by values of every wrong shape. The
mutated data is checked with the positions of the original file (parsing thousands of YAML
texts would only measure PyYAML); one mutation per shape also goes through the text path."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from policy_texts import BASE

from sladesk.errors import SpecError
from sladesk.policy import validate_policy
from sladesk.policy._load import read_document
from sladesk.yaml_source import Document, PathPart, load_yaml

FULL = (Path(__file__).parent / "fixtures" / "full.yaml").read_text(encoding="utf-8")
JUNK: list[Any] = [None, True, 7, 2.5, "", "junk", [], ["junk"], {}, {"junk": 1}, [{"a": [1]}]]


def paths(data: Any, prefix: tuple[PathPart, ...] = ()) -> Iterator[tuple[PathPart, ...]]:
    if prefix:
        yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from paths(value, (*prefix, i))


def replaced(data: Any, path: tuple[PathPart, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize("text", [BASE, FULL], ids=["base", "full"])
def test_every_field_of_every_wrong_shape_is_a_located_error(text: str) -> None:
    doc = load_yaml(text, "m.yaml")
    checked = 0
    for path in paths(doc.data):
        for junk in JUNK:
            mutated = Document(replaced(doc.data, path, junk), "m.yaml", doc.positions)
            policy, errors = read_document(mutated, text)
            assert (policy is None) == bool(errors)
            assert all(isinstance(e, SpecError) for e in errors)
            assert all(e.location.line is not None for e in errors), (path, junk, errors)
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_wrong_shapes_through_the_text(junk: Any) -> None:
    data = load_yaml(BASE).data
    for path in [("rules", 0, "targets", 0), ("calendars", "office"), ("priorities",)]:
        text = yaml.safe_dump(replaced(data, path, junk), allow_unicode=True)
        errors = validate_policy(text, "m.yaml")
        assert errors, (path, junk)
        assert all(e.location.line is not None for e in errors)
