"""Several processes on one real PostgreSQL: three central workers run a periodic job
once per turn between them; two collectors of a LAN share 30 devices through leases,
never poll one device twice in an interval, and when one is SIGKILLed the other polls
all of them from the next interval on; the service runs a store-wide job once across
its processes."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys
import time
from pathlib import Path

from muniops.collector.core.feature import Feature, Job, Runtime
from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.inventory import migrate
from muniops.inventory.db import Database
from muniops.lab import postgres

INTERVAL, DEVICES = 2.5, 30


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


def test_two_collectors_share_devices_and_one_takes_over(pg_base: str, tmp_path: Path
                                                          ) -> None:
    url, polls = _fresh_store(pg_base), tmp_path / "polls"
    a = _worker("devices", url, "collector-a", str(INTERVAL), str(DEVICES), str(polls), "60")
    b = _worker("devices", url, "collector-b", str(INTERVAL), str(DEVICES), str(polls), "60")
    try:
        deadline = time.monotonic() + 60
        while not (polls.exists() and {h for *_x, h in _lines(polls)} == {"collector-a",
                                                                           "collector-b"}):
            assert time.monotonic() < deadline, "the collectors did not start polling"
            time.sleep(0.1)
        ready = time.time()
        time.sleep(3 * INTERVAL)
        a.send_signal(signal.SIGKILL)
        a.wait()
        killed = time.time()
        time.sleep(4 * INTERVAL)
    finally:
        a.kill()
        b.terminate()
        a.wait(30)
        b.wait(30)
    seen = _lines(polls)
    per_slot = collections.Counter((slot, device) for slot, device, _ in seen)
    assert max(per_slot.values()) == 1  # no device polled twice in one interval

    by_holder: dict[int, dict[str, set[str]]] = collections.defaultdict(
        lambda: collections.defaultdict(set))
    for slot, device, holder in seen:
        by_holder[slot][holder].add(device)
    kill_slot = int(killed // INTERVAL)
    before = [s for s in by_holder if int(ready // INTERVAL) < s < kill_slot]
    assert any(len(by_holder[s]["collector-a"]) >= DEVICES // 3 and
               len(by_holder[s]["collector-b"]) >= DEVICES // 3 for s in before)  # shared
    after = [s for s in by_holder if s >= kill_slot + 2]  # taken over within one interval
    assert after
    for s in after[:-1]:
        assert by_holder[s]["collector-b"] == {f"sw{i:03d}" for i in range(DEVICES)}, s


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
