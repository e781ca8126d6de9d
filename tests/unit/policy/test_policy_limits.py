"""Reading a policy file is bounded: a "billion laughs" (nested YAML aliases), deep nesting,
too much text and numbers too long to convert are refused with their line and column, in
well under a second, before anything is built from them (issue 11, item 1)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from policy_texts import BASE

from sladesk.errors import LimitError, PolicyError, SpecError
from sladesk.policy import MAX_POLICY_CHARS, load_policy, load_policy_file, validate_policy
from sladesk.yaml_source import MAX_DEPTH, load_yaml


def billion_laughs(levels: int = 9) -> str:
    """~300 bytes that expand to 9**levels strings when aliases are followed."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*l{i - 1}"] * 9)
        lines.append(f"l{i}: &l{i} [{refs}]")
    return "\n".join(lines) + "\n"


def only_error(text: str) -> SpecError:
    # Refused unread: expanding the aliases would take minutes of CPU. The bound is CPU time
    # and generous, so a busy machine does not make it fail.
    started = time.process_time()
    errors = validate_policy(text, "p.yaml")
    assert time.process_time() - started < 3
    assert len(errors) == 1, errors
    return errors[0]


def test_a_billion_laughs_is_refused_at_its_first_anchor() -> None:
    bomb = billion_laughs()
    assert len(bomb) < 500
    err = only_error(bomb)
    assert isinstance(err, LimitError)
    assert (err.location.line, err.location.column) == (1, 5)
    assert "anchors are not allowed (&l0)" in err.message


def test_an_alias_is_refused_where_it_is_used() -> None:
    text = BASE.replace("policy: acme-support", "policy: *name", 1)
    assert text != BASE
    err = only_error(text)
    assert err.location.line == 1 and err.location.column == 9
    assert "aliases are not allowed (*name)" in err.message


def test_a_merge_key_is_an_alias_too() -> None:
    err = only_error("a: &base {x: 1}\nb:\n  <<: *base\n")
    assert "anchors are not allowed (&base)" in err.message


@pytest.mark.parametrize("flow", [True, False], ids=["flow", "block"])
def test_nesting_deeper_than_the_limit_is_refused(flow: bool) -> None:
    depth = 100_000 if flow else 200
    if flow:
        text = "x: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "x:\n" + "".join(" " * i + "-\n" for i in range(1, depth))
    err = only_error(text)
    assert isinstance(err, LimitError)
    assert f"nested more than {MAX_DEPTH} levels deep" in err.message
    assert err.location.line is not None and err.location.column is not None


def test_a_policy_over_the_size_limit_is_refused_at_the_line_where_it_passes() -> None:
    text = BASE + "".join(f"# filler comment line {i:07d}\n" for i in range(20_000))
    assert len(text) > MAX_POLICY_CHARS
    err = only_error(text)
    assert isinstance(err, LimitError)
    assert "too large" in err.message
    assert err.location.line == text.count("\n", 0, MAX_POLICY_CHARS) + 1


def test_a_policy_file_over_the_limit_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(BASE + "#" * (4 * MAX_POLICY_CHARS + 10), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert "too large" in str(info.value)
    assert str(path) in str(info.value)


def test_an_integer_too_long_to_convert_is_a_located_error() -> None:
    text = BASE.replace('version: "1"', "version: " + "9" * 5000, 1)
    assert text != BASE
    err = only_error(text)
    assert err.location.path == "version" and err.location.line == 2


def test_every_yaml_file_is_bounded_not_only_policies() -> None:
    with pytest.raises(LimitError):
        load_yaml("events: &e [1]\nagain: *e\n", "scenario.yaml")
    with pytest.raises(LimitError):
        load_yaml("x: 1\n" * 10, "big.yaml", max_chars=20)


def test_a_valid_policy_still_loads() -> None:
    assert load_policy(BASE).name == "acme-support"
