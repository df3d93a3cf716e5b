"""The collector's core, against real peers: a long SSH job never delays SNMP polling,
a removed device's series leave /metrics at the next scrape, and one credential that
cannot be used fails only the devices that name it."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from muniops.collector.core.feature import Job
from muniops.collector.core.service import Collector
from muniops.collector.core.settings import load_settings
from muniops.collector.snmp.runtime import SnmpRuntime
from muniops.collector.ssh.runtime import SshRuntime
from muniops.inventory import configs, devices
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.migrate import upgrade
from muniops.lab.fakenos import FakeLab, hanging_device
from muniops.lab.snmpsim import running_snmpsim
from tests.ssh.conftest import ENABLE, PASSWORD, device_entry, ios_lab, register_ssh

__all__ = ["ios_lab"]  # the fixture, used by name


@pytest.fixture(scope="module")
def sim_port() -> Iterator[int]:
    with running_snmpsim() as port:
        yield port


def make_collector(tmp_path: Path, ssh_devices: list[dict[str, object]],
                   snmp_devices: dict[str, str], credentials: dict[str, Any],
                   snmp_port: int = 161) -> Collector:
    """A collector on its own SQLite store, with SNMP devices (name → credential) polling
    the snmpsim recording ``ios`` and SSH devices, all in the register."""
    url = sqlite_url(tmp_path)
    upgrade(Database(url).engine)
    creds = tmp_path / "credentials.yaml"
    creds.write_text(yaml.safe_dump(credentials))
    creds.chmod(0o600)
    config = tmp_path / "muniops.yaml"
    config.write_text(yaml.safe_dump({
        "data_dir": str(tmp_path / "data"), "database_url": url,
        "credentials_file": str(creds),
        "snmp": {"timeout_seconds": 1, "retries": 1, "device_budget_seconds": 2.5},
        "playbooks": {"workers": 2, "connect_timeout": 6}}))
    register_ssh(url, ssh_devices)
    collector = Collector(load_settings(config))
    with collector.db.write() as s:
        for name, credential in snmp_devices.items():
            devices.add_device(s, devices.DeviceCreate(
                name=name, address="127.0.0.1", snmp_port=snmp_port,
                snmp_credential=credential), actor="test")
    return collector


def runtimes(collector: Collector) -> tuple[SnmpRuntime, SshRuntime]:
    snmp, ssh = collector.runtimes["snmp"], collector.runtimes["ssh"]
    assert isinstance(snmp, SnmpRuntime) and isinstance(ssh, SshRuntime)
    return snmp, ssh


V2C = {"type": "snmp_v2c", "community": "ios"}
SSH = {"type": "ssh", "username": "netadmin", "password": PASSWORD, "enable_secret": ENABLE}


def test_a_long_playbook_run_never_delays_snmp_polls(tmp_path: Path, sim_port: int) -> None:
    """A backup of a hung device runs for seconds in the ssh pool; meanwhile the SNMP poll
    keeps its one-second rhythm in its own pool, and the backup is never started twice."""
    with hanging_device() as hung:
        collector = make_collector(tmp_path, [device_entry("sw-hung", hung)],
                                   {"core-1": "v2c"}, {"v2c": V2C, "ios-admin": SSH}, sim_port)
        snmp, ssh = runtimes(collector)
        polls: list[float] = []
        backup: dict[str, float] = {}

        def poll() -> None:
            snmp.runner.run()  # up, or a timeout on a busy machine: the rhythm is the point
            polls.append(time.monotonic())

        def long_backup() -> None:
            backup["start"] = time.monotonic()
            ssh.run("backup-config", actor="test")
            backup["end"] = time.monotonic()

        jobs = collector.scheduler
        jobs.add(Job("test-poll", 1, poll, pool="snmp"))
        jobs.add(Job("test-backup", 1, long_backup, pool="ssh"))
        jobs.start()
        try:
            deadline = time.monotonic() + 30
            while "end" not in backup and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            jobs.stop(timeout=10)
            collector.db.dispose()
    assert "end" in backup, "the backup of the hung device never finished"
    assert backup["end"] - backup["start"] >= 4, "the device did not hang: nothing proven"
    during = [t for t in polls if backup["start"] <= t <= backup["end"]]
    assert len(during) >= 2, f"no polls while the backup ran: {polls}"
    # polls waiting for the backup would leave one gap as long as the backup (>= 4 s);
    # a busy machine stretches a poll, not that much
    gaps = [b - a for a, b in itertools.pairwise([backup["start"], *during, backup["end"]])]
    assert max(gaps) < 3.0, f"SNMP polls waited for the backup: gaps {gaps}"
    value = jobs.metrics.runs.labels("test-backup", "skipped")._value.get()
    assert value >= 2, "turns of the running backup should have been skipped, not stacked"
    with Database(collector.settings.db_url).read() as s:
        (state,) = configs.backup_states(s)
    assert state.device == "sw-hung" and state.last_cause == "timeout"


def test_a_removed_device_leaves_metrics_at_the_next_scrape(tmp_path: Path,
                                                           sim_port: int) -> None:
    collector = make_collector(tmp_path, [], {"core-1": "v2c", "core-2": "v2c"}, {"v2c": V2C},
                               sim_port)
    snmp, _ = runtimes(collector)
    snmp.poll_due()
    client = TestClient(collector.app)
    text = client.get("/metrics").text
    assert 'muniops_snmp_device_up{device="core-1"' in text
    assert 'muniops_snmp_device_up{device="core-2"' in text
    assert 'device="core-2",' in text.split("muniops_snmp_device_up", 1)[1]
    with collector.db.write() as s:
        devices.remove_device(s, "core-2", actor="test")
    text = client.get("/metrics").text  # no poll in between
    assert 'muniops_snmp_device_up{device="core-1"' in text
    assert 'device="core-2"' not in text
    collector.db.dispose()


def test_an_unusable_credential_fails_only_its_devices(
        tmp_path: Path, sim_port: int, ios_lab: FakeLab,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``${VAR}`` unset in one SNMP and one SSH credential: the devices naming them fail
    with the credential's name in the reason; every other device is polled and backed up."""
    monkeypatch.delenv("MUNIOPS_TEST_UNSET", raising=False)
    unset = "${MUNIOPS_TEST_UNSET}"
    collector = make_collector(
        tmp_path,
        [device_entry("sw-hall", ios_lab.port("sw-hall")),
         device_entry("sw-depot", ios_lab.port("sw-depot"), credential="ssh-broken")],
        {"core-1": "v2c", "core-2": "snmp-broken"},
        {"v2c": V2C, "snmp-broken": {"type": "snmp_v2c", "community": unset},
         "ios-admin": SSH, "ssh-broken": {**SSH, "password": unset}}, sim_port)
    snmp, ssh = runtimes(collector)
    report = snmp.runner.run()
    assert [(r.device, r.state) for r in report.results] == [("core-1", "up")]
    (skipped,) = report.skipped
    assert skipped.startswith("core-2: credential 'snmp-broken'")
    assert "MUNIOPS_TEST_UNSET is not set" in skipped

    ssh.run("backup-config", actor="test")
    with collector.db.read() as s:
        states = {st.device: st for st in configs.backup_states(s)}
        assert [v.version for v in configs.history(s, "sw-hall")] == [1]
    assert states["sw-hall"].last_cause == ""
    assert states["sw-depot"].last_cause == "no_credential"
    assert "ssh-broken" in states["sw-depot"].last_error
    collector.db.dispose()


def test_a_job_is_never_run_twice_at_once(tmp_path: Path) -> None:
    collector = make_collector(tmp_path, [], {}, {})
    gate, inside = threading.Event(), []

    def slow() -> None:
        inside.append(1)
        gate.wait(5)

    collector.scheduler.add(Job("slow", 1, slow))
    collector.scheduler.start()
    time.sleep(3.5)
    gate.set()
    collector.scheduler.stop()
    assert len(inside) == 1
    runs = collector.scheduler.metrics.runs
    assert runs.labels("slow", "skipped")._value.get() >= 1
    collector.db.dispose()
