"""Configuration backups against fakenos Cisco IOS devices: one version per real change,
volatile lines ignored, history and a unified diff with secrets redacted."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from muniops.collector.cli.main import invoke
from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings, load_settings
from muniops.collector.ssh.runs import run_and_record
from muniops.collector.ssh.runtime import SshRuntime
from muniops.inventory import configs
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.migrate import upgrade
from muniops.inventory.types import utcnow
from muniops.lab.fakenos import FakeLab, load_nos, running_config, with_running_config
from tests.ssh.conftest import device_entry, write_config


def backup(settings: Settings, db: Database) -> dict[str, str | None]:
    _, results = run_and_record(settings, db, "backup-config", actor="test")
    return {r.device: r.cause for r in results}


def versions(db: Database, device: str) -> list[int]:
    with db.read() as s:
        return [v.version for v in configs.history(s, device)]


def cli(settings: Settings, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = invoke(["--config", settings.source, *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_one_new_version_per_real_change(ios_lab: FakeLab, ios_settings: Settings,
                                         db: Database, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    assert backup(ios_settings, db) == {"sw-hall": None, "sw-depot": None}
    assert versions(db, "sw-hall") == [1] and versions(db, "sw-depot") == [1]
    with db.read() as s:
        stored = configs.get_version(s, "sw-hall").text
    assert "hostname sw-hall\n" in stored
    assert "Last configuration change" not in stored and "ntp clock-period" not in stored

    # only volatile lines move (a save, clock drift): no new version
    base = load_nos("cisco_ios_access")
    restamped = (running_config(base)
                 .replace("14:02:11 UTC Fri Nov 20 2026", "03:10:59 UTC Sat Nov 21 2026")
                 .replace("ntp clock-period 17179869", "ntp clock-period 17179901")
                 .replace("Current configuration : 2214 bytes",
                          "Current configuration : 2215 bytes"))
    ios_lab.restart(**{"sw-hall": with_running_config(base, restamped)})
    assert backup(ios_settings, db) == {"sw-hall": None, "sw-depot": None}
    assert versions(db, "sw-hall") == [1]

    # a real change: a new VLAN and a new SNMP community
    changed = restamped.replace("vlan 20\n name VOICE\n!",
                                "vlan 20\n name VOICE\n!\nvlan 30\n name CAMERAS\n!").replace(
        "snmp-server community Xk82mon1tor RO", "snmp-server community N3wS3cret RO")
    ios_lab.restart(**{"sw-hall": with_running_config(base, changed)})
    assert backup(ios_settings, db) == {"sw-hall": None, "sw-depot": None}
    assert versions(db, "sw-hall") == [1, 2]
    assert versions(db, "sw-depot") == [1]

    history = json.loads(cli(ios_settings, capsys, "config", "history", "sw-hall", "--json"))
    assert [h["version"] for h in history] == [1, 2]

    diff = json.loads(cli(ios_settings, capsys, "config", "diff", "sw-hall", "--json"))
    assert (diff["from"], diff["to"]) == (1, 2)
    changes = [ln for ln in diff["diff"].splitlines()
               if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    # the new VLAN block, and nothing else (the SNMP community is redacted on both sides)
    assert changes == ["+!", "+vlan 30", "+ name CAMERAS"]
    assert "N3wS3cret" not in diff["diff"] and "Xk82mon1tor" not in diff["diff"]
    # asked for, the secrets are there
    raw = json.loads(cli(ios_settings, capsys, "config", "diff", "sw-hall", "--json",
                         "--show-secrets"))["diff"]
    assert "-snmp-server community Xk82mon1tor RO" in raw.splitlines()
    assert "+snmp-server community N3wS3cret RO" in raw.splitlines()

    shown = cli(ios_settings, capsys, "config", "get", "sw-hall")
    assert "snmp-server community <redacted>" in shown and "N3wS3cret" not in shown
    assert "enable secret 9 <redacted>" in shown


def test_the_scheduled_job_backs_up_when_its_time_comes(ios_lab: FakeLab, tmp_path: Path,
                                                        ) -> None:
    """The collector's ``ssh-playbooks`` job runs a playbook whose time came since its last
    tick, and not again on the next tick."""
    url = sqlite_url(tmp_path)
    db = Database(url)
    upgrade(db.engine)
    now = utcnow()
    at = (now - timedelta(minutes=1)).strftime("%H:%M")
    config = write_config(tmp_path, url, [device_entry("sw-hall", ios_lab.port("sw-hall"))])
    raw = yaml.safe_load(config.read_text())
    raw["playbooks"]["schedule"] = [{"playbook": "backup-config", "at": at}]
    config.write_text(yaml.safe_dump(raw))
    collector = Collector(load_settings(config), db)
    ssh = collector.runtimes["ssh"]
    assert isinstance(ssh, SshRuntime)
    ssh._last_tick = now - timedelta(minutes=3)
    assert collector.scheduler.run_now("ssh-playbooks")
    assert versions(db, "sw-hall") == [1]
    with db.read() as s:
        first = configs.backup_states(s)[0].last_success_at
    assert collector.scheduler.run_now("ssh-playbooks")
    with db.read() as s:
        assert configs.backup_states(s)[0].last_success_at == first  # not run again
    db.dispose()
