"""Several collectors of one LAN on one PostgreSQL, sharing the SNMP and SSH work through
device leases (each periodic job running once across them is the core's:
``collector/core/turns.py``).

``LeaseKeeper.tick`` runs every third of a poll interval: it says the collector is alive,
renews its leases (half an interval long), takes a fair share of the free ones and hands
back what is beyond its share when another collector joins. A collector that dies stops
renewing; its leases lapse and the others take them within one poll interval. Before each
poll, ``due`` asks the store for the device's slot, so two collectors never poll the same
device in the same interval, even across a takeover."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import timedelta
from zlib import crc32

from sqlalchemy.exc import OperationalError

from muniops.collector.core.turns import slot_of
from muniops.inventory import leases
from muniops.inventory.db import Database
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)


class LeaseKeeper:
    def __init__(self, db: Database, holder: str, interval: float) -> None:
        self.db, self.holder, self.interval = db, holder, interval
        self.ttl = timedelta(seconds=interval / 2)
        self.tick_every = interval / 3
        self.mine: set[str] = set()

    def tick(self, devices: Sequence[str]) -> set[str]:
        """Renew, rebalance and claim; returns the devices this collector holds now. Two
        collectors claiming at once can deadlock in PostgreSQL, which then aborts one of
        them: that one keeps what it held and claims again at its next tick."""
        try:
            mine = self._tick(set(devices))
        except OperationalError as exc:
            log.warning("leases: %s keeps its %d device(s) this tick: %s", self.holder,
                        len(self.mine), type(getattr(exc, "orig", exc)).__name__)
            return self.mine
        if mine != self.mine:
            log.info("leases: %s holds %d of %d device(s)", self.holder, len(mine),
                     len(devices))
        self.mine = mine
        return mine

    def _tick(self, wanted: set[str]) -> set[str]:
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
