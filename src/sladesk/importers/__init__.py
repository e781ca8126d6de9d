"""Readers of other help desks' exports (``sladesk import zendesk|freshdesk|csv PATH``).

Each reader turns a folder of export files into the records ``sladesk.services`` imports
(``ImportedOrganization``, ``ImportedPerson``, ``ImportedTicket``), in the exporter's words
mapped to sladesk's (statuses, channels, who wrote what). A record it cannot read becomes a
:class:`Problem` saying which file, line and field, and the run goes on without it.
The formats, field by field, are in docs/import.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sladesk.importers._csv import read_csv
from sladesk.importers._export import Export, Problem
from sladesk.importers._freshdesk import read_freshdesk
from sladesk.importers._zendesk import read_zendesk

#: source name -> reader of a folder
READERS: dict[str, Callable[[Path], Export]] = {
    "zendesk": read_zendesk,
    "freshdesk": read_freshdesk,
    "csv": read_csv,
}


def read_export(source: str, path: Path) -> Export:
    """The records of the export in ``path`` (a folder) as ``source`` writes them."""
    if source not in READERS:
        raise ValueError(f"unknown source {source!r}: one of {', '.join(READERS)}")
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: not a folder (give the folder of the export's files)")
    return READERS[source](path)


__all__ = ["READERS", "Export", "Problem", "read_export"]
