"""Several processes on one PostgreSQL: collectors of one LAN sharing the SNMP and SSH
work through device leases, and the central's workers running each periodic job once.

``LeaseKeeper.tick`` runs every third of a poll interval: it says the collector is alive,
renews its leases (half an interval long), takes a fair share of the free ones and hands
back what is beyond its share when another collector joins. A collector that dies stops
renewing; its leases lapse and the others take them within one poll interval. Before each
poll, ``due`` asks the store for the device's slot, so two collectors never poll the same
device in the same interval, even across a takeover."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from datetime import timedelta
from zlib import crc32

from muniops.collector.core.feature import Job
from muniops.inventory import leases
from muniops.inventory.db import Database
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)


def slot_of(interval: float, at: float | None = None) -> int:
    """The poll interval number ``at`` (now) falls in."""
    return int((time.time() if at is None else at) // interval)


class LeaseKeeper:
    def __init__(self, db: Database, holder: str, interval: float) -> None:
        self.db, self.holder, self.interval = db, holder, interval
        self.ttl = timedelta(seconds=interval / 2)
        self.tick_every = interval / 3
        self.mine: set[str] = set()

    def tick(self, devices: Sequence[str]) -> set[str]:
        """Renew, rebalance and claim; returns the devices this collector holds now."""
        wanted = set(devices)
        with self.db.write() as s:
            now = utcnow()
            leases.present(s, self.holder, now, self.ttl)
            mine = leases.renew(s, self.holder, now, self.ttl)
            gone = mine - wanted
            share = math.ceil(len(wanted) / max(1, len(leases.live_holders(s, now))))
            extra = sorted(mine & wanted, key=self._order)[share:]
            if gone or extra:
                leases.release(s, self.holder, gone | set(extra))
                mine -= gone | set(extra)
            taken = leases.leased(s, now)
            for device in sorted(wanted - taken, key=self._order):
                if len(mine) >= share:
                    break
                if leases.claim(s, self.holder, device, now, self.ttl):
                    mine.add(device)
        if mine != self.mine:
            log.info("leases: %s holds %d of %d device(s)", self.holder, len(mine),
                     len(wanted))
        self.mine = mine
        return mine

    def _order(self, device: str) -> int:
        """Each holder prefers different devices, so claims rarely collide."""
        return crc32(f"{self.holder}/{device}".encode())

    def due(self, device: str, slot: int | None = None) -> bool:
        """Whether this collector polls ``device`` now (once per slot, while it holds it)."""
        with self.db.write() as s:
            return leases.take_slot(s, self.holder, device,
                                    slot_of(self.interval) if slot is None else slot,
                                    utcnow())

    def release_all(self) -> None:
        with self.db.write() as s:
            leases.release(s, self.holder, self.mine | {f"holder:{self.holder}"})
        self.mine = set()


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
