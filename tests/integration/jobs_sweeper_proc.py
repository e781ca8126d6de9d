"""A sweeper in a process of its own, for the kill test: ``python jobs_sweeper_proc.py URL
SEARCH_PATH BATCH`` sweeps at the fixed test instant until nothing is due, one transaction per
batch, printing a line after each commit."""

from __future__ import annotations

import sys

from jobs_fixtures import NOW

from sladesk.jobs.sweep import sweep_due
from sladesk.services import FixedClock
from sladesk.store import UnitOfWork, make_engine


def main() -> None:
    url, search_path, batch = sys.argv[1], sys.argv[2] or None, int(sys.argv[3])
    engine = make_engine(url, search_path=search_path)
    uow = UnitOfWork(engine)
    while (report := sweep_due(uow, FixedClock(NOW), limit=batch)).tickets:
        print(f"committed {report.tickets}", flush=True)


if __name__ == "__main__":
    main()
