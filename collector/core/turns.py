"""Periodic jobs that act on the whole store run once per turn across every process on
it: several ``muniops serve`` workers or hosts on one PostgreSQL plan PM, sample the
indicators and mail the scheduled reports once, not once each. A turn is the job's
interval on the wall clock, won in the store; a PostgreSQL advisory lock keeps a long run
from being overlapped by the next turn's winner. SQLite has one process per store."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

from muniops.collector.core.feature import Job
from muniops.inventory import leases
from muniops.inventory.db import Database
from muniops.inventory.types import utcnow


def slot_of(interval: float, at: float | None = None) -> int:
    """The turn (interval number) ``at`` (now) falls in."""
    return int((time.time() if at is None else at) // interval)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def once_across_workers(job: Job, db: Database, holder: str) -> Job:
    """``job`` run by one worker per turn across every process on this store: a turn is
    ``every_seconds`` long and won in the store; an advisory lock keeps a long run from
    being overlapped by the next turn's winner."""
    ttl = timedelta(seconds=job.every_seconds)

    def run() -> None:
        with leases.advisory_lock(db, f"muniops-job:{job.name}") as got:
            if not got:
                return
            with db.write() as s:
                won = leases.job_turn(s, holder, job.name, slot_of(job.every_seconds),
                                      utcnow(), ttl)
            if won:
                job.run()

    return Job(job.name, job.every_seconds, run, job.pool, job.concurrency)
