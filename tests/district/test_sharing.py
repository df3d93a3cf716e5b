"""Several processes on one real PostgreSQL: three central workers run a periodic job
once per turn between them; collectors sharing SSH devices take each device's scheduled
run once; sharing is refused on SQLite; the service runs a store-wide job once across
its processes. (Sharing SNMP polls between real ``muniops serve`` processes, with a
SIGKILL and a takeover: ``test_shared_polling.py``.)"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from muniops.collector.core.feature import Feature, Job, Runtime
from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.collector.district import FEATURE as DISTRICT
from muniops.collector.district.sharing import sharing_of
from muniops.inventory import devices as register, migrate
from muniops.inventory.db import Database
from muniops.inventory.devices import DeviceCreate
from muniops.inventory.leases import DEVICES as DEVICE_ROWS, LEASES
from muniops.inventory.types import utcnow
from muniops.lab import postgres
from muniops.lab.agents import BIN, write_config
from muniops.lab.district import muniops
from muniops.lab.net import free_port


def _fresh_store(pg_base: str) -> str:
    url = postgres.create_database(pg_base, f"lease_{time.monotonic_ns()}")
    db = Database(url)
    migrate.upgrade(db.engine)
    db.dispose()
    return url


def _worker(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "muniops.lab.lease_worker", *args])


def _lines(path: Path) -> list[tuple[int, str, str]]:
    out = []
    for line in path.read_text().splitlines():
        slot, key, holder = line.split()
        out.append((int(slot), key, holder))
    return out


def test_a_periodic_job_runs_once_per_turn_across_workers(pg_base: str, tmp_path: Path
                                                           ) -> None:
    url, runs = _fresh_store(pg_base), tmp_path / "runs"
    procs = [_worker("jobs", url, f"worker{i}", "1", str(runs), "5") for i in range(3)]
    for proc in procs:
        assert proc.wait(60) == 0
    slots = [slot for slot, _key, _holder in _lines(runs)]
    assert len(slots) == len(set(slots))  # never twice in one turn
    assert len(slots) >= 4  # and a run in (nearly) every turn of the 5 s
    assert max(slots) - min(slots) + 1 - len(slots) <= 1


def _sharing_collectors(url: str, tmp_path: Path, n: int) -> list[Collector]:
    """``n`` collectors with ``district.share_devices`` on one store, in this process (each
    holder named apart: in production a holder is a host and a process id)."""
    collectors = []
    for i in range(n):
        settings = Settings(data_dir=tmp_path / str(i), district={"share_devices": True},
                            snmp={"interval_seconds": 30})
        collector = Collector(settings, Database(url), [DISTRICT])
        sharing = sharing_of(collector)
        assert sharing is not None
        sharing.keeper.holder = f"collector-{i}"
        collectors.append(collector)
    return collectors


def test_a_scheduled_ssh_run_takes_each_device_once_per_moment(pg_base: str, tmp_path: Path
                                                                ) -> None:
    """Two collectors sharing SSH devices: at a scheduled moment each device's playbook
    run is taken by one of them (the one holding it), never by both, and again at the
    next moment."""
    url = _fresh_store(pg_base)
    names = {f"router{i}" for i in range(8)}
    db = Database(url)
    with db.write() as s:
        for name in sorted(names):
            register.add_device(s, DeviceCreate(name=name, address="192.0.2.1",
                                                ssh_credential="lan", platform="linux"),
                                    actor="test")
    db.dispose()
    collectors = _sharing_collectors(url, tmp_path, 2)
    try:
        sharings = [sharing_of(c) for c in collectors]
        for _ in range(2):  # the first one takes all, then gives the newcomer its share
            for sharing in sharings:
                assert sharing is not None
                sharing.tick()
        first = datetime(2026, 12, 2, 1, 30, tzinfo=UTC)
        for at in (first, first + timedelta(days=1)):
            taken = collections.Counter()
            for sharing in sharings:
                assert sharing is not None
                for name in names:
                    if sharing.take_run("backup-config", name, at):
                        assert name in sharing.held()
                        taken[name] += 1
                        taken[sharing.keeper.holder] += 1
                    assert not sharing.take_run("backup-config", name, at)  # once
            assert all(taken[name] == 1 for name in names), taken
            assert taken["collector-0"] and taken["collector-1"]
    finally:
        for collector in collectors:
            collector.close()
    db = Database(url)
    with db.read() as s:  # closing gave the leases back
        live = s.execute(sa.select(LEASES.c.device).where(
            LEASES.c.expires_at >= utcnow(), DEVICE_ROWS)).all()
    db.dispose()
    assert live == []


def test_sharing_on_sqlite_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra="district:\n  share_devices: true\n")
    muniops(config, "init")
    done = subprocess.run([str(BIN / "muniops"), "--config", str(config), "serve", "--listen",
                           f"127.0.0.1:{free_port()}"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 7
    assert "district.share_devices" in done.stderr and "PostgreSQL" in done.stderr
    checked = subprocess.run([str(BIN / "muniops"), "--config", str(config), "config",
                              "check", "--json"], capture_output=True, text=True, timeout=120)
    assert checked.returncode != 0
    assert any("district.share_devices" in p for p in json.loads(checked.stdout)["problems"])


RAN: list[tuple[int, str]] = []  # (collector, job) each time a job of _Counting ran


class _Counting(Runtime):
    def jobs(self) -> list[Job]:
        me = id(self.collector)
        return [Job("store-wide", 3600, lambda: RAN.append((me, "store-wide")),
                    once_per_store=True),
                Job("per-process", 3600, lambda: RAN.append((me, "per-process")))]


def test_the_service_runs_a_store_wide_job_once_across_its_processes(
        pg_base: str, tmp_path: Path) -> None:
    """Two collectors (``muniops serve`` workers) on one PostgreSQL, each running its jobs'
    turn: a job marked once_per_store runs in one of them, any other in both."""
    url = _fresh_store(pg_base)
    feature = Feature("counting", "test", "Service",
                      runtime="tests.district.test_sharing:_Counting")
    RAN.clear()
    collectors = [Collector(Settings(data_dir=tmp_path / str(i)), Database(url), [feature])
                  for i in range(2)]
    try:
        for collector in collectors:
            for job in collector.scheduler.jobs.values():
                job.run()
    finally:
        for collector in collectors:
            collector.close()
    ran = collections.Counter(job for _who, job in RAN)
    assert ran == {"store-wide": 1, "per-process": 2}
