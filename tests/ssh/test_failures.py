"""One device's failure never stops the others, and each failure says its cause: a wrong
password, a device that accepts TCP and then hangs, a closed port."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from muniops.collector.cli.main import invoke
from muniops.inventory import configs
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.migrate import upgrade
from muniops.lab.fakenos import FakeDevice, FakeLab, Nos, hanging_device, load_nos, running_fakenos
from tests.ssh.conftest import PASSWORD, device_entry, write_config


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


def odd_prompt_switch() -> Nos:
    """A switch whose CLI shows no IOS prompt at all (a console server's banner)."""
    nos = load_nos("cisco_ios_access")
    nos["initial_prompt"] = nos["enable_prompt"] = "Press RETURN to get started: "
    for command in nos["commands"].values():
        command["prompt"] = nos["initial_prompt"]
        command.pop("new_prompt", None)
    return nos


def test_failing_devices_do_not_stop_the_others(
        tmp_path: Path, ios_lab: FakeLab, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(tmp_path)
    db = Database(url)
    upgrade(db.engine)
    with hanging_device() as hung_port, running_fakenos(
            [FakeDevice("sw-odd", nos=odd_prompt_switch())]) as odd_lab:
        config = write_config(tmp_path, url, [
            device_entry("sw-odd", odd_lab.port("sw-odd")),
            device_entry("sw-hall", ios_lab.port("sw-hall")),
            device_entry("sw-depot", ios_lab.port("sw-depot"), credential="wrong"),
            device_entry("sw-hung", hung_port),
            device_entry("sw-gone", closed_port()),
        ], extra_credentials={"wrong": {"type": "ssh", "username": "netadmin",
                                        "password": "not-the-password"}})
        capsys.readouterr()
        code = invoke(["--config", str(config), "playbook", "run", "backup-config", "--json"])
        out = capsys.readouterr().out
    assert code == 1  # some devices failed
    results = {r["device"]: r for r in json.loads(out)}
    assert results["sw-hall"]["ok"] and "hostname sw-hall" in results["sw-hall"]["config"]
    assert results["sw-depot"]["cause"] == "auth_failed"
    assert "netadmin" in results["sw-depot"]["error"]
    assert results["sw-hung"]["cause"] == "timeout"
    assert results["sw-gone"]["cause"] == "unreachable"
    assert results["sw-odd"]["cause"] == "unexpected_prompt"
    assert PASSWORD not in out and "not-the-password" not in out

    with db.read() as s:
        states = {st.device: st for st in configs.backup_states(s)}
        assert [v.version for v in configs.history(s, "sw-hall")] == [1]
    assert states["sw-hall"].last_success_at is not None and states["sw-hall"].last_cause == ""
    assert states["sw-depot"].last_success_at is None
    assert states["sw-depot"].last_cause == "auth_failed"
    assert states["sw-hung"].last_cause == "timeout"
    db.dispose()
