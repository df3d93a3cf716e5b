"""Several processes on one real PostgreSQL: three central workers run a periodic job
once per turn between them; collectors sharing SSH devices run each device's scheduled
playbook once (on a real OpenSSH server); sharing is refused on SQLite; the service runs
a store-wide job once across its processes. (SNMP polls shared between real ``muniops
serve`` processes, with a SIGKILL and a takeover: ``test_shared_polling.py``.)"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from muniops.collector.core.feature import Feature, Job, Runtime
from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.collector.district import FEATURE as DISTRICT
from muniops.collector.district.sharing import sharing_of
from muniops.collector.ssh import FEATURE as SSH
from muniops.collector.ssh.runtime import SshRuntime
from muniops.inventory import configs, devices as register, migrate
from muniops.inventory.db import Database
from muniops.inventory.devices import DeviceCreate
from muniops.inventory.leases import DEVICES as DEVICE_ROWS, LEASES
from muniops.inventory.types import utcnow
from muniops.lab import openssh, postgres
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


def _sharing_collectors(url: str, tmp_path: Path, n: int, **settings: Any
                        ) -> list[Collector]:
    """``n`` collectors with ``district.share_devices`` on one store, in this process (each
    holder named apart: in production a holder is a host and a process id)."""
    collectors = []
    settings.setdefault("snmp", {"interval_seconds": 30})
    for i in range(n):
        config = Settings(data_dir=tmp_path / str(i), district={"share_devices": True},
                          **settings)
        collector = Collector(config, Database(url), [SSH, DISTRICT])
        sharing = sharing_of(collector)
        assert sharing is not None
        sharing.keeper.holder = f"collector-{i}"
        collectors.append(collector)
    return collectors


def test_a_scheduled_ssh_run_takes_each_device_once(pg_base: str, tmp_path: Path) -> None:
    """Two collectors sharing eight SSH devices (Debian's real OpenSSH server under eight
    names) reach the schedule's moment: each device's playbook runs once, on the collector
    holding it, and its facts are stored; neither runs it again for that moment."""
    if not openssh.available():
        pytest.fail("openssh-server is missing; scripts/install-system-deps.sh installs it")
    url = _fresh_store(pg_base)
    names = {f"srv{i}" for i in range(8)}
    now = utcnow()
    at = now - timedelta(seconds=60)
    with openssh.running_openssh() as sshd:
        creds = tmp_path / "credentials.yaml"
        creds.write_text(yaml.safe_dump({"key": {"type": "ssh", "username": sshd.username,
                                                 "key_file": str(sshd.key_file)}}))
        creds.chmod(0o600)
        db = Database(url)
        with db.write() as s:
            for name in sorted(names):
                register.add_device(s, DeviceCreate(
                    name=name, address="127.0.0.1", ssh_port=sshd.port, platform="linux",
                    ssh_credential="key"), actor="test")
        collectors = _sharing_collectors(
            url, tmp_path, 2, credentials_file=creds,
            playbooks={"schedule": [{"playbook": "facts", "at": f"{at:%H:%M}"}]})
        ran: dict[str, list[str]] = collections.defaultdict(list)  # device -> its runners
        try:
            runtimes = [c.runtimes["ssh"] for c in collectors]
            sharings = [sharing_of(c) for c in collectors]
            for _ in range(2):  # the first one takes all, then gives the newcomer its share
                for sharing in sharings:
                    assert sharing is not None
                    sharing.tick()
            for i, runtime in enumerate(runtimes):
                assert isinstance(runtime, SshRuntime)
                real = runtime.run

                def counted(playbook: str, *, actor: str, only: Any = None,
                            i: int = i, real: Any = real) -> None:
                    for name in only or ():
                        ran[name].append(f"collector-{i}")
                    real(playbook, actor=actor, only=only)

                runtime.run = counted  # type: ignore[method-assign]
            for _ in range(2):  # the moment is due for both; asked twice, still once
                for runtime in runtimes:
                    runtime._last_tick = now - timedelta(seconds=120)  # type: ignore[attr-defined]
                    runtime.run_scheduled()  # type: ignore[attr-defined]
            held = {name: s.keeper.holder for s in sharings if s for name in s.held()}
        finally:
            for collector in collectors:
                collector.close()
        with db.read() as s:
            facts = {f.device for f in configs.list_facts(s)}
            live = s.execute(sa.select(LEASES.c.device).where(
                LEASES.c.expires_at >= utcnow(), DEVICE_ROWS)).all()
        db.dispose()
    assert ran == {name: [held[name]] for name in names}  # each once, by its holder
    assert set(held.values()) == {"collector-0", "collector-1"}
    assert facts == names  # the runs really happened
    assert live == []  # closing gave the leases back


def test_the_ends_of_a_wireless_link_are_held_and_polled_together(pg_base: str,
                                                                   tmp_path: Path) -> None:
    """Devices joined by wireless links (``snmp.links``) are one lease: the collector that
    polls one end polls the others, in the same slot, so it can judge the link."""
    url = _fresh_store(pg_base)
    names = [f"ap{i}" for i in range(8)]
    db = Database(url)
    with db.write() as s:
        for name in names:
            register.add_device(s, DeviceCreate(name=name, address="192.0.2.1",
                                                snmp_credential="lan"), actor="test")
    db.dispose()
    links = [{"name": "l01", "a": {"device": "ap1"}, "b": {"device": "ap0"}},
             {"name": "l12", "a": {"device": "ap1"}, "b": {"device": "ap2"}},
             {"name": "l34", "a": {"device": "ap4"}, "b": {"device": "ap3"}}]
    collectors = _sharing_collectors(url, tmp_path, 2,
                                     snmp={"interval_seconds": 30, "links": links})
    try:
        sharings = [sharing_of(c) for c in collectors]
        for _ in range(2):
            for sharing in sharings:
                assert sharing is not None
                sharing.tick()
        held = [sharing.held() for sharing in sharings if sharing]
        assert sorted(held[0] | held[1]) == names and not held[0] & held[1]
        assert held[0] and held[1]
        for group in ({"ap0", "ap1", "ap2"}, {"ap3", "ap4"}):
            assert group <= held[0] or group <= held[1], held
        if time.time() % 30 > 27:
            time.sleep(3.5)  # the checks below in one 30 s slot
        for sharing, mine in zip(sharings, held, strict=True):
            assert sharing is not None
            for name in names:  # the holder polls every end in this slot, only once
                assert sharing.take_poll(name, 30) == (name in mine), name
                assert not sharing.take_poll(name, 30)
    finally:
        for collector in collectors:
            collector.close()


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
