"""A stand-in collector or central worker for the lease tests and the benchmark: shares
``N`` devices (or one periodic job) with its peers through the store's leases, and writes
one line per poll (or job run) — ``slot key holder`` — to a file shared by all of them.

``python -m muniops.lab.lease_worker devices URL HOLDER INTERVAL N FILE SECONDS``
``python -m muniops.lab.lease_worker jobs URL HOLDER EVERY FILE SECONDS``"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from muniops.collector.core.feature import Job
from muniops.collector.core.turns import once_across_workers, slot_of
from muniops.collector.district.sharing import LeaseKeeper
from muniops.inventory.db import Database


def _write(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def devices(db: Database, holder: str, interval: float, n: int, out: Path, seconds: float
            ) -> None:
    keeper = LeaseKeeper(db, holder, interval)
    names = [f"sw{i:03d}" for i in range(n)]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for device in sorted(keeper.tick(names)):
            slot = slot_of(interval)
            if keeper.due(device, slot):
                _write(out, f"{slot} {device} {holder}\n")
        time.sleep(keeper.tick_every)
    keeper.release_all()


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
    db = Database(url)
    if mode == "devices":
        devices(db, holder, float(argv[3]), int(argv[4]), Path(argv[5]), float(argv[6]))
    else:
        jobs(db, holder, int(argv[3]), Path(argv[4]), float(argv[5]))


if __name__ == "__main__":
    main(sys.argv[1:])
