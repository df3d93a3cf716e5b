"""Several collectors of one LAN on one PostgreSQL, sharing the SNMP and SSH work through
device leases (each periodic job running once across them is the core's:
``collector/core/turns.py``).

``LeaseKeeper.tick`` runs every third of a poll interval: it says the collector is alive,
renews its leases (half an interval long), takes a fair share of the free ones and hands
back what is beyond its share when another collector joins. A collector that dies stops
renewing; its leases lapse and the others take them within one poll interval. Before each
poll, ``due`` asks the store for the device's slot, so two collectors never poll the same
device in the same interval, even across a takeover.

``DeviceSharing`` is that keeper inside ``muniops serve`` (``district.share_devices:
true``, PostgreSQL only): the ``device-leases`` job ticks it over the register's SNMP and
SSH devices, the SNMP job polls only what it holds (once per slot of the device's own
interval) and the scheduled SSH runs take one turn per device and scheduled moment; a
stopping collector gives its leases back at once."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zlib import crc32

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy.exc import OperationalError

from muniops.collector.core.feature import Job
from muniops.collector.core.turns import slot_of, this_process
from muniops.inventory import devices as register, leases
from muniops.inventory.db import Database
from muniops.inventory.errors import ConfigError
from muniops.inventory.types import utcnow

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector
    from muniops.collector.core.settings import Settings
    from muniops.collector.snmp.config import LinkConfig

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


ON_SQLITE = ("district.share_devices: true needs the store on PostgreSQL (database_url: "
             "postgresql+psycopg://...); a SQLite store has one collector, so there is "
             "nothing to share")


def config_problem(settings: Settings) -> str | None:
    """What ``muniops config check`` says of the sharing setting (``serve`` refuses it)."""
    shared = settings.district.share_devices
    return ON_SQLITE if shared and settings.db_url.startswith("sqlite") else None


def interval_start(interval: float, at: float | None = None) -> int:
    """The start (epoch seconds) of the ``interval``-long slot ``at`` (now) falls in: a
    slot number that still grows when a device's interval changes."""
    now = time.time() if at is None else at
    return int(now // interval * interval)


def link_groups(links: Sequence[LinkConfig]) -> dict[str, str]:
    """Each end of a wireless link → the lease its group of linked devices is held by (the
    group's first name): one collector polls every end, so it can judge the link."""
    parent: dict[str, str] = {}

    def root(device: str) -> str:
        while parent.setdefault(device, device) != device:
            device = parent[device]
        return device

    for link in links:
        a, b = root(link.a.device), root(link.b.device)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {device: root(device) for device in parent}


class DeviceSharing:
    """This collector's share of the LAN's devices while ``muniops serve`` runs. The
    lease is per device, or per group of devices joined by wireless links."""

    def __init__(self, collector: Collector) -> None:
        from muniops.collector.snmp.runner import snmp_settings

        if collector.db.is_sqlite:
            raise ConfigError(ON_SQLITE)
        self.db = collector.db
        snmp = snmp_settings(collector.settings)
        self.keeper = LeaseKeeper(collector.db, this_process(), snmp.interval_seconds)
        self._group = link_groups(snmp.links)
        self._devices: set[str] = set()  # the register's shared devices, at the last tick
        self._polled: dict[str, int] = {}  # device -> the slot this process polled it in
        self._group_slot: dict[str, int] = {}  # lease -> the last slot it was taken for

    def job(self) -> Job:
        return Job("device-leases", max(1, int(self.keeper.tick_every)), self.tick,
                   pool="device-leases")

    def lease_of(self, device: str) -> str:
        return self._group.get(device, device)

    def tick(self) -> None:
        with self.db.read() as s:
            devices = {d.name for d in register.active(s) if d.polled or d.ssh_credential}
        self._devices = devices
        self.keeper.tick(sorted({self.lease_of(d) for d in devices}))

    def held(self) -> set[str]:
        mine = self.keeper.mine
        return {d for d in self._devices if self.lease_of(d) in mine}

    def take_poll(self, device: str, interval: float) -> bool:
        """Whether this collector polls ``device`` now: it holds its lease and nobody has
        polled it in this slot of its interval (the store decides, once per lease: the
        ends of a link are polled in the same slot by the same collector)."""
        lease = self.lease_of(device)
        if lease not in self.keeper.mine:
            return False
        slot = interval_start(interval)
        if self._polled.get(device) == slot:
            return False
        if self._group_slot.get(lease) != slot:
            if not self.keeper.due(lease, slot):
                return False  # another collector polled it in this slot, or the lease lapsed
            self._group_slot[lease] = slot
        self._polled[device] = slot
        log.debug("leases: %s polls %s in slot %d", self.keeper.holder, device, slot)
        return True

    def take_run(self, playbook: str, device: str, moment: datetime) -> bool:
        """Whether this collector runs ``playbook`` on ``device`` for its scheduled
        ``moment``: it holds the device, and the store gives the turn to one collector."""
        if self.lease_of(device) not in self.keeper.mine:
            return False
        name = f"ssh:{playbook}:{device}"
        if len(name) > 150:  # the key column is 160 long with its "job:" prefix
            name = "ssh:" + hashlib.sha256(name.encode()).hexdigest()
        with self.db.write() as s:
            return leases.job_turn(s, self.keeper.holder, name, int(moment.timestamp()),
                                   utcnow(), timedelta(days=1))

    def close(self) -> None:
        """Give every lease back, so the others take this collector's devices at once."""
        try:
            self.keeper.release_all()
        except OperationalError as exc:  # the store is away: the leases lapse by themselves
            log.warning("leases: not released (%s); they lapse within %.0f s",
                        type(getattr(exc, "orig", exc)).__name__, self.keeper.ttl.total_seconds())
        else:
            log.info("leases: %s gave its devices back", self.keeper.holder)


class HeldMetrics(PromCollector):
    """``/metrics``: how many devices this collector holds (the others hold the rest)."""

    def __init__(self, sharing: DeviceSharing) -> None:
        self.sharing = sharing

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("muniops_district_devices_held",
                                "Devices this collector holds a lease on and polls "
                                "(district.share_devices).",
                                value=len(self.sharing.held()))


def sharing_of(collector: Collector) -> DeviceSharing | None:
    """The running collector's device sharing, or None when it polls every device."""
    from muniops.collector.core.feature import runtime_of
    from muniops.collector.district.runtime import DistrictRuntime

    district = runtime_of(collector, DistrictRuntime)
    return district.sharing if district is not None else None
