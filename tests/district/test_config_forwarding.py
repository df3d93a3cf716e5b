"""A district collector's configuration backups reach the central once and in order: real
``muniops serve`` processes (the central over HTTPS, the district on its own SQLite) and a
fake Cisco IOS switch (fakenos). The district backs the switch up through its API; the
central goes away; the switch's configuration changes and the district backs it up again
from its CLI, then once more (unchanged) through its API; the central comes back and has
both versions, once each, in order, with the diff between them, secrets redacted, and the
backup state of the district's last run."""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import col, select

from muniops.collector.district.outbox import Outbox
from muniops.inventory import configs, devices as register, tokens
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.models import DistrictApplied, Role
from muniops.inventory.models.configs import ConfigBackupState, ConfigVersion
from muniops.lab.district import make_central, make_district, muniops
from muniops.lab.fakenos import (
    FakeDevice,
    load_nos,
    running_config,
    running_fakenos,
    with_running_config,
)

PASSWORD, ENABLE = "lab-only-password", "lab-only-enable"
COMMUNITY = "Xk82mon1tor"  # the switch's SNMP community: in its configuration, a secret


def _wait(what: str, check: Any, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _credentials(folder: Path) -> Path:
    path = folder / "credentials.yaml"
    path.write_text(yaml.safe_dump({"ios-admin": {
        "type": "ssh", "username": "netadmin", "password": PASSWORD,
        "enable_secret": ENABLE}}))
    path.chmod(0o600)
    return path


def _run_backup_through_api(url: str, token: str) -> None:
    request = urllib.request.Request(
        f"{url}/api/v1/playbooks/backup-config/run", method="POST",
        data=json.dumps({"targets": ["north-sw1"]}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        job = json.load(answer)
    for _ in range(300):
        with urllib.request.urlopen(urllib.request.Request(
                f"{url}/api/v1/jobs/{job['id']}",
                headers={"Authorization": f"Bearer {token}"}), timeout=10) as answer:
            job = json.load(answer)
        if job["state"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    assert [r["ok"] for r in job["result"]] == [True], job["result"]


def _add_switch(db: Database, port: int) -> None:
    with db.write() as s:
        register.add_device(s, register.DeviceCreate(
            name="north-sw1", address="127.0.0.1", ssh_port=port, site="North Office",
            platform="cisco_ios", ssh_credential="ios-admin", kind="switch"), actor="test")


def _ledger(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.exec(select(DistrictApplied.kind, DistrictApplied.outcome)
                      .order_by(col(DistrictApplied.seq))).all()
        return [(kind, outcome) for kind, outcome in rows]


def _versions(db: Database) -> list[tuple[int, str]]:
    with db.read() as s:
        rows = s.exec(select(ConfigVersion).where(ConfigVersion.device == "north-sw1")
                      .order_by(col(ConfigVersion.id))).all()
        return [(v.version, v.sha256) for v in rows]


def test_versions_taken_while_the_central_is_away_arrive_once_in_order(
        tmp_path: Path) -> None:
    base = load_nos("cisco_ios_access")
    changed = running_config(base).replace(
        "vlan 20\n name VOICE\n!", "vlan 20\n name VOICE\n!\nvlan 30\n name CAMERAS\n!")
    assert changed != running_config(base)
    with running_fakenos([FakeDevice("north-sw1", serial="FOC2101X0AB")]) as lab:
        port = lab.port("north-sw1")
        central = make_central(tmp_path / "central")
        secret = central.secret_for("North Office", "north")
        db = Database(central.database_url)
        _add_switch(db, port)
        district = make_district(tmp_path / "north", central, "north-1", secret,
                                 site="North Office", district="north")
        with district.config.open("a") as fh:
            fh.write(f"credentials_file: {_credentials(district.config.parent)}\n")
        local = Database(sqlite_url(district.data_dir))
        _add_switch(local, port)  # the district's own register holds the device too
        with local.write() as s:
            _row, token = tokens.create_token(s, "netops", Role.TECHNICIAN, actor="test")
        try:
            with ThreadPoolExecutor(2) as both:
                list(both.map(lambda p: p.start(timeout=60),
                              [central.process, district.process]))
            _run_backup_through_api(district.process.url, token)  # the serve process
            _wait("version 1 at the central", lambda: len(_versions(db)) == 1)

            # the central is away; the switch changes; the district's CLI backs it up
            central.process.stop()
            lab.restart(**{"north-sw1": with_running_config(base, changed)})
            muniops(district.config, "playbook", "run", "backup-config", "--target",
                    "north-sw1", "--json")
            _run_backup_through_api(district.process.url, token)  # the same again
            outbox = Outbox(district.data_dir / "district" / "outbox.sqlite3")
            try:
                queued = [(q.kind, q.body["device"]) for q in outbox.peek(10)]
            finally:
                outbox.close()
            assert queued == [("config.version", "north-sw1"), ("config.backup", "north-sw1")]
            taken = _versions(local)
            assert [v for v, _sha in taken] == [1, 2]

            central.process.start(timeout=60)
            _wait("version 2 at the central", lambda: len(_ledger(db)) == 3)
            time.sleep(1)  # a late duplicate would land now
            assert _versions(db) == taken  # each once, in the order taken
            diff = json.loads(muniops(central.config, "config", "diff", "north-sw1",
                                      "--json"))
            assert (diff["from"], diff["to"]) == (1, 2)
            changes = [ln for ln in diff["diff"].splitlines()
                       if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
            assert sorted(changes) == ["+ name CAMERAS", "+!", "+vlan 30"]
            assert COMMUNITY not in diff["diff"]
            with db.read() as s:
                latest = configs.latest_version(s, "north-sw1")
                assert latest is not None and latest.playbook == "backup-config"
                assert "vlan 30\n name CAMERAS" in latest.text and COMMUNITY in latest.text
                state = s.exec(select(ConfigBackupState)).one()
            assert _ledger(db) == [("config.version", "applied")] * 2 + [
                ("config.backup", "applied")]
            # the central's backup state (and its metrics) say the district's last run
            assert (state.device, state.site, state.last_cause) == (
                "north-sw1", "North Office", "")
            assert state.last_change_at == latest.collected_at
            assert state.last_success_at is not None
            assert state.last_success_at > latest.collected_at
            for log in (central.process.log, district.process.log):
                assert COMMUNITY not in log.read_text(errors="replace")
        finally:
            district.process.stop()
            central.process.stop()
            db.dispose()
            local.dispose()
