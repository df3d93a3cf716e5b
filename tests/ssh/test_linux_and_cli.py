"""The paramiko side against Debian's real OpenSSH server, the ad-hoc ``playbook run``
(``--address``/``--password-env``), the dry run, and the schedule."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from muniops.collector.cli.main import invoke
from muniops.collector.core.settings import load_settings
from muniops.collector.ssh.config import Schedule
from muniops.collector.ssh.runs import due, run_and_record
from muniops.inventory import configs
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.migrate import upgrade
from muniops.lab import openssh
from muniops.lab.fakenos import FakeLab
from tests.ssh.conftest import ENABLE, PASSWORD, write_config


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    url = sqlite_url(tmp_path)
    db = Database(url)
    upgrade(db.engine)
    yield url, db
    db.dispose()


@pytest.fixture
def sshd() -> Iterator[openssh.OpenSsh]:
    if not openssh.available():
        pytest.fail("openssh-server is missing; scripts/install-system-deps.sh installs it")
    with openssh.running_openssh() as server:
        yield server


def test_facts_from_a_real_openssh_server(tmp_path: Path, store: tuple[str, Database],
                                          sshd: openssh.OpenSsh) -> None:
    url, db = store
    config = write_config(tmp_path, url, [
        {"name": "srv-files", "address": f"127.0.0.1:{sshd.port}", "platform": "linux",
         "credential": "server-key", "site": "City Hall", "kind": "server"},
        {"name": "srv-nokey", "address": f"127.0.0.1:{sshd.port}", "platform": "linux",
         "credential": "server-password", "kind": "server"},
    ], extra_credentials={
        "server-key": {"type": "ssh", "username": sshd.username, "key_file": str(sshd.key_file)},
        "server-password": {"type": "ssh", "username": sshd.username, "password": PASSWORD}})
    _, results = run_and_record(load_settings(config), db, "facts", actor="test")
    by_name = {r.device: r for r in results}
    os_release = Path("/etc/os-release").read_text()
    pretty = next(ln.split("=", 1)[1].strip('"') for ln in os_release.splitlines()
                  if ln.startswith("PRETTY_NAME="))
    assert by_name["srv-files"].ok
    assert by_name["srv-files"].facts["version"] == f"{pretty}, kernel {os.uname().release}"
    assert by_name["srv-files"].facts["uptime"].endswith(" seconds")
    # the server takes keys only: a password login is refused, and said so
    assert by_name["srv-nokey"].cause == "auth_failed"
    with db.read() as s:
        facts = {f.device: f for f in configs.list_facts(s)}
    assert facts["srv-files"].platform == "linux" and pretty in facts["srv-files"].version
    assert "srv-nokey" not in facts


def test_ad_hoc_run_and_dry_run(tmp_path: Path, store: tuple[str, Database], ios_lab: FakeLab,
                                capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = store
    config = write_config(tmp_path, url, [])
    monkeypatch.setenv("SW_PASSWORD", PASSWORD)
    monkeypatch.setenv("SW_ENABLE", ENABLE)
    address = f"127.0.0.1:{ios_lab.port('sw-depot')}"
    capsys.readouterr()
    code = invoke(["--config", str(config), "playbook", "run", "facts", "--address", address,
                   "--platform", "cisco_ios", "--username", "netadmin",
                   "--password-env", "SW_PASSWORD", "--enable-secret-env", "SW_ENABLE",
                   "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    [result] = json.loads(out.out)
    assert result["device"] == address and result["ok"]
    assert result["facts"]["model"] == "WS-C2960X-48FPD-L"
    assert result["facts"]["serial"] == "FOC1822Y1CD"
    assert PASSWORD not in out.out and ENABLE not in out.out

    code = invoke(["--config", str(config), "playbook", "run", "compliance-baseline",
                   "--address", "127.0.0.1:9", "--platform", "cisco_ios", "--username", "u",
                   "--dry-run", "--json"])
    plan = json.loads(capsys.readouterr().out)
    assert code == 0
    assert plan == [{"device": "127.0.0.1:9", "address": "127.0.0.1:9",
                     "platform": "cisco_ios", "step": "running-config",
                     "command": "show running-config"}]

    code = invoke(["--config", str(config), "playbook", "run", "backup-config",
                   "--address", "127.0.0.1:9", "--platform", "linux", "--username", "u"])
    assert code == 5 and "does not target platform linux" in capsys.readouterr().err


def test_schedule_is_due_once_at_its_time() -> None:
    nightly = Schedule(playbook="backup-config", at="01:30")
    weekly = Schedule(playbook="compliance-baseline", at="04:00", days=["mon"])
    t = datetime(2026, 11, 23, 1, 29, 30, tzinfo=UTC)  # a Monday
    assert not due(nightly, t.replace(minute=28), t)
    assert due(nightly, t, t.replace(minute=30, second=30))
    assert not due(nightly, t.replace(minute=30, second=30), t.replace(minute=31))
    assert due(weekly, t, t.replace(hour=4, minute=0, second=20))
    tuesday = t.replace(day=24)
    assert not due(weekly, tuesday, tuesday.replace(hour=4, minute=1))


CUT_SHORT = """\
name: uptime-report
timeout: 2
targets:
  platforms: [linux]
steps:
  - name: report
    send: "echo starting; sleep 0.3; {{ then }}; echo done"
vars:
  then: "true"
"""


def test_a_session_cut_mid_output_is_reported(tmp_path: Path, store: tuple[str, Database],
                                              sshd: openssh.OpenSsh,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A playbook from a file; the server drops one session mid-output (its sshd session
    process killed), another command hangs past the timeout, the third completes."""
    url, _ = store
    playbook = tmp_path / "uptime-report.yaml"
    playbook.write_text(CUT_SHORT)
    login = {"type": "ssh", "username": sshd.username, "key_file": str(sshd.key_file)}
    devices = [{"name": name, "address": f"127.0.0.1:{sshd.port}", "platform": "linux",
                "credential": "key", "tags": [name]} for name in ("srv-a", "srv-b", "srv-c")]
    config = write_config(tmp_path, url, devices, extra_credentials={"key": login})
    results = {}
    for name, then in (("srv-a", "true"), ("srv-b", "kill -9 $PPID"), ("srv-c", "sleep 5")):
        capsys.readouterr()
        code = invoke(["--config", str(config), "playbook", "run", str(playbook),
                       "--target", f"tag={name}", "--var", f"then={then}", "--json"])
        [results[name]] = json.loads(capsys.readouterr().out)
        assert code == (0 if name == "srv-a" else 1)
    assert results["srv-a"]["ok"]
    assert results["srv-a"]["steps"][0]["output"] == "starting\ndone\n"
    assert results["srv-b"]["cause"] == "disconnected"
    assert "before" in results["srv-b"]["error"]
    assert results["srv-c"]["cause"] == "timeout"
    assert "within 2s" in results["srv-c"]["error"]
