"""A ticket's SLA events in packed form: :class:`EventLog`, and :func:`unpack_history`, which
reads one from the text the store keeps per ticket (compiled with mypyc).

The packed text is one line per event, in the order the events were recorded::

    <instant: microseconds since the epoch>\\t<kind>\\t<the event's data as JSON>\\n

It is built by ``sladesk.store`` (``store/_codec.py`` :func:`pack_history`; appended to as
events are), and read here without building an :class:`Event` per line: a history repeats a
few dozen *shapes* (the line after its instant: kind and data), so each distinct shape is
decoded once per reader (``decode``, given by the store, which knows the JSON of the data)
into a prototype event, and a line costs a split, an ``int`` and a dict lookup.

:func:`~sladesk.sla.evaluate` reads an :class:`EventLog` natively (the instants as they are,
in microseconds; the kinds and fields from the prototypes), with the very answer it gives
for the same events as a list: :meth:`EventLog.events` builds them, and tests compare.
"""

from __future__ import annotations

from collections.abc import Callable

from sladesk.sla._clocks import from_us
from sladesk.sla._construct import make_event
from sladesk.sla._model import Event

__all__ = ["EventLog", "unpack_history"]


class EventLog:
    """A ticket's SLA events as parallel lists: ``instants`` (µs since the epoch) and
    ``shapes`` (an event with every field but its instant, shared between tickets)."""

    __slots__ = ("instants", "shapes")

    def __init__(self, instants: list[int], shapes: list[Event]) -> None:
        self.instants = instants
        self.shapes = shapes

    def __len__(self) -> int:
        return len(self.instants)

    def events(self) -> list[Event]:
        """The events themselves, each with its instant (an aware UTC datetime)."""
        out: list[Event] = []
        for us, p in zip(self.instants, self.shapes, strict=True):
            out.append(
                make_event(
                    from_us(us),
                    p.kind,
                    p.author,
                    p.public,
                    p.status,
                    p.reason,
                    p.priority,
                    p.type,
                    p.assignee,
                    p.team,
                    p.attributes,
                    p.tags,
                )  # fmt: skip
            )
        return out


def unpack_history(
    text: str, shapes: dict[str, Event], decode: Callable[[str], Event | None]
) -> EventLog:
    """The events of a packed history (see the module docstring). ``shapes`` caches the
    decoded shapes (keep one per read: a page of tickets shares it); ``decode`` turns a shape
    (``kind\\tdata``) into its prototype event, or None for a kind evaluation does not read
    (such a line is skipped)."""
    instants: list[int] = []
    protos: list[Event] = []
    for line in text.split("\n"):
        if not line:
            continue
        tab = line.find("\t")
        shape = line[tab + 1 :]
        proto = shapes.get(shape)
        if proto is None:
            decoded = decode(shape)
            if decoded is None:
                continue
            shapes[shape] = proto = decoded
        instants.append(int(line[:tab]))
        protos.append(proto)
    return EventLog(instants, protos)
