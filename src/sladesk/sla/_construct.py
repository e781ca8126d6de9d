"""Positional constructors for the frozen result types, twice as fast as calling the class.

The ``__init__`` a frozen dataclass generates sets each field through
``object.__setattr__(self, "name", value)``; for ``TargetResult`` (15 fields) that was the
largest single cost of building an answer. :func:`maker` writes the same ``__init__`` against
the slot descriptors instead (``TargetResult.metric.__set__(obj, value)``, what
``object.__setattr__`` ends up calling), so the object built is the very one ``cls(*args)``
builds: same class, same slots, still frozen for everyone else. It takes every field,
positionally, in declaration order.

Only for ``slots=True`` dataclasses without ``__post_init__`` (checked here; anything else gets
the class itself). tests/unit/sla/test_construct.py checks the two constructions are equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

from sladesk.sla._model import Cycle, Evaluation, Event, TargetResult, TicketFacts, Warning

T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """``cls(*args)`` with every field given positionally, without ``object.__setattr__``."""
    if not is_dataclass(cls) or hasattr(cls, "__post_init__") or "__slots__" not in vars(cls):
        return cls
    names = [f.name for f in fields(cls)]
    if any(not f.init for f in fields(cls)):
        return cls
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for i, name in enumerate(names):
        ns[f"_set{i}"] = vars(cls)[name].__set__
    args = ", ".join(names)
    body = "".join(f"    _set{i}(self, {name})\n" for i, name in enumerate(names))
    exec(f"def make({args}):\n    self = _new(_cls)\n{body}    return self\n", ns)  # noqa: S102
    make: Callable[..., T] = ns["make"]
    make.__doc__ = f"{cls.__name__}({args}), built slot by slot."
    return make


make_target_result = maker(TargetResult)
make_cycle = maker(Cycle)
make_warning = maker(Warning)
make_evaluation = maker(Evaluation)
#: the facts after a change in the history (``dataclasses.replace`` costs several times more)
make_ticket_facts = maker(TicketFacts)
#: an event read back from storage in bulk (the sweep, back-tests): every field, positionally
make_event = maker(Event)
