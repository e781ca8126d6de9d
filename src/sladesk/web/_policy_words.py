"""The policy in force as choices for forms: its priorities and types, labelled in the
viewer's language."""

from __future__ import annotations

from collections.abc import Mapping

from sladesk.policy import Policy


def priorities(policy: Policy | None, language: str) -> list[tuple[str, str]]:
    if policy is None:
        return []
    return [(pr.key, text(pr.label, language, pr.key)) for pr in policy.priorities]


def types(policy: Policy | None, language: str) -> list[tuple[str, str]]:
    if policy is None:
        return []
    return [(key, text(t.label, language, key)) for key, t in policy.types.items()]


def text(words: Mapping[str, str], language: str, fallback: str) -> str:
    """A policy text in ``language``, else in English, else in any language it has."""
    found = words.get(language) or words.get("en") or next(iter(words.values()), "")
    return found or fallback
