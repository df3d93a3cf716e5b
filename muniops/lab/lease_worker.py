"""A stand-in central worker for the test of periodic jobs across workers: runs one job
once per turn with its peers through the store, and writes one line per run — ``slot
job holder`` — to a file shared by all of them. (Collectors sharing devices are tested
as real ``muniops serve`` processes: ``tests/district/test_shared_polling.py``.)

``python -m muniops.lab.lease_worker jobs URL HOLDER EVERY FILE SECONDS``"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from muniops.collector.core.feature import Job
from muniops.collector.core.turns import once_across_workers, slot_of
from muniops.inventory.db import Database


def _write(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def jobs(db: Database, holder: str, every: int, out: Path, seconds: float) -> None:
    def work() -> None:
        _write(out, f"{slot_of(every)} job {holder}\n")

    job = once_across_workers(Job("report-schedules", every, work), db, holder)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        job.run()
        time.sleep(0.05)


def main(argv: list[str]) -> None:
    mode, url, holder = argv[:3]
    if mode != "jobs":
        raise SystemExit(f"unknown mode {mode!r}; expected 'jobs'")
    jobs(Database(url), holder, int(argv[3]), Path(argv[4]), float(argv[5]))


if __name__ == "__main__":
    main(sys.argv[1:])
