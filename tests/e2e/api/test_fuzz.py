"""A schema-driven fuzzer over the whole API (issue 11, "Keep it found"): schemathesis reads
``/api/openapi.json`` and sends requests generated from it — valid ones and ones that break
the schema — straight into the ASGI app, as a contact and as an admin, on a SQLite file and on
PostgreSQL (the ``database`` fixture). Every answer must be no server error, a status code the
document lists for the operation, of the declared content type, with headers and a body that
match the declared schema.

It is seeded and bounded: a fixed number of examples per operation (``POSITIVE``,
``NEGATIVE``), the same requests on every run, about a minute per backend. Failures are
collected, not raised, so one run reports every operation that misbehaves; the test fails
listing them, and prints how many requests it sent.

Among them are the inputs issue 11's items 2 and 3 made refusable — integers past 64 bits,
NUL characters — which once were server errors; the summary says how many were sent.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from api_world import POLICY_FILE, World
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sladesk import services
from sladesk.bootstrap import Container

#: examples per operation and role (hypothesis stops earlier when an operation has fewer)
POSITIVE = 25
NEGATIVE = 15
SEED = 20261207
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
INT64_MAX = 2**63 - 1


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def _values(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _values(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _values(v)
    else:
        yield value


def _hostile(case: Any) -> bool:
    """An integer past 64 bits or a NUL character anywhere in the request (issue 11, items 2
    and 3: these were server errors before)."""
    sent = [case.path_parameters, case.query, case.headers, case.body]
    for value in _values(sent):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64_MAX:
            return True
        if isinstance(value, str):
            if "\x00" in value:
                return True
            # compared by length first: int() refuses strings past 4,300 digits
            digits = value.lstrip("+-").lstrip("0")
            if (
                digits.isascii()
                and digits.isdigit()
                and (len(digits) > 19 or (len(digits) == 19 and int(digits) > INT64_MAX))
            ):
                return True
    return False


def _fresh_token(world: World, role: str) -> dict[str, str]:
    """A new token for ``role``'s person: an earlier operation may have revoked the last."""
    c, system = world.container, services.Actor.system("fuzz")
    actor = world.actors[role]  # type: ignore[index]
    owner = {"agent_id": actor.id} if actor.is_staff else {"contact_id": actor.id}
    issued = services.create_api_token(c.uow(), c.clock, system, name=f"fuzz {role}", **owner)
    return {"Authorization": f"Bearer {issued.secret}"}


@dataclass
class Tally:
    sent: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    unsatisfiable: list[str] = field(default_factory=list)
    hostile: int = 0


def _fuzz(
    operation: Any, mode: GenerationMode, examples: int, role: str, headers: dict[str, str],
    tally: Tally,
) -> None:  # fmt: skip
    """Send ``examples`` generated requests to ``operation``, counting every failure."""

    @seed(SEED)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        tally.sent[role] += 1
        tally.hostile += _hostile(case)
        try:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)
        # every failure is counted, none raised (schemathesis raises its checks' failures as
        # a BaseExceptionGroup)
        except (Exception, BaseExceptionGroup) as exc:
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            key = (role, operation.label, lines[0][:200])
            tally.failures.setdefault(key, str(exc)[:2000])

    try:
        send()
    except Unsatisfiable:  # no request breaks the schema of an operation without input
        tally.unsatisfiable.append(f"{role} {operation.label} {mode.value}")


def test_the_api_answers_every_generated_request_as_its_document_says(
    app: FastAPI, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    tally = Tally()
    started = time.perf_counter()
    for role in ("contact", "admin"):  # the admin's changes (deactivations) go last
        for result in schema.get_all_operations():
            operation = result.ok()
            headers = _fresh_token(world, role)
            _fuzz(operation, GenerationMode.POSITIVE, POSITIVE, role, headers, tally)
            _fuzz(operation, GenerationMode.NEGATIVE, NEGATIVE, role, headers, tally)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\nfuzz: {sum(tally.sent.values())} requests ({dict(tally.sent)}) in {elapsed:.0f} s, "
            f"{tally.hostile} with an integer past 64 bits or a NUL; "
            f"{len(tally.failures)} distinct failures; "
            f"no input left for: {tally.unsatisfiable or 'none'}"
        )
    failures = tally.failures
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in sorted(failures.items()))
