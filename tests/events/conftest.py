"""A real ``muniops serve`` with the event receivers on free 127.0.0.1 ports, a Net-SNMP
``snmpd`` as the registered device a trap makes it poll, and the store it writes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from muniops.inventory import devices
from muniops.inventory.db import Database
from muniops.inventory.migrate import upgrade
from muniops.lab import snmpd
from muniops.lab.collector import RunningCollector, running_collector
from muniops.lab.net import free_port, wait_until as wait_until


@dataclass
class Served:
    collector: RunningCollector
    db: Database
    trap_port: int
    syslog_port: int
    agent: snmpd.Snmpd | None
    tmp: Path

    def metric(self, name: str, **labels: str) -> float:
        """One sample of the collector's /metrics (0 when absent)."""
        want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        pattern = re.compile(rf"^{re.escape(name)}(\{{(.*)\}})? (\S+)$", re.MULTILINE)
        for m in pattern.finditer(self.collector.metrics()):
            got = ",".join(sorted((m.group(2) or "").split(","))) if m.group(2) else ""
            if got == want:
                return float(m.group(3))
        return 0.0

    def healthy(self) -> bool:
        return httpx.get(f"{self.collector.url}/healthz", timeout=10).status_code == 200


def write_config(tmp: Path, *, trap_port: int, syslog_port: int, extra: dict[str, Any],
                 credentials: dict[str, Any]) -> Path:
    creds = tmp / "credentials.yaml"
    creds.write_text(yaml.safe_dump(credentials))
    creds.chmod(0o600)
    config: dict[str, Any] = {
        "data_dir": str(tmp / "data"), "credentials_file": str(creds),
        "snmp": {"interval_seconds": 3600, "timeout_seconds": 1, "retries": 0},
        "events": {"enabled": True, "traps": {"listen": f"127.0.0.1:{trap_port}"},
                   "syslog": {"udp": f"127.0.0.1:{syslog_port}",
                              "tcp": f"127.0.0.1:{syslog_port}"},
                   "poll_min_interval_seconds": 5, "backup_delay_seconds": 3}}
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    path = tmp / "muniops.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def new_store(tmp: Path) -> Database:
    (tmp / "data").mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{tmp / 'data' / 'muniops.db'}")
    upgrade(db.engine)
    return db


@pytest.fixture(scope="module")
def agent() -> Iterator[snmpd.Snmpd]:
    if not snmpd.available():
        pytest.fail("snmpd/snmp are not installed: run scripts/install-system-deps.sh")
    with snmpd.running_snmpd() as running:
        yield running


@pytest.fixture(scope="module")
def served(agent: snmpd.Snmpd, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``sw-hall`` (the snmpd agent) registered at 127.0.0.1; traps accepted with its v2c
    community and a v3 authPriv user (SHA/AES, as snmpd's)."""
    tmp = tmp_path_factory.mktemp("events")
    trap_port, syslog_port = free_port(), free_port()
    creds = {"lab-v2c": {"type": "snmp_v2c", "community": agent.community},
             "lab-v3": {"type": "snmp_v3", "username": agent.v3_user, "auth_protocol": "sha",
                        "auth_key": agent.v3_auth, "priv_protocol": "aes128",
                        "priv_key": agent.v3_priv}}
    config = write_config(tmp, trap_port=trap_port, syslog_port=syslog_port,
                          extra={"events": {"traps": {"listen": f"127.0.0.1:{trap_port}",
                                                      "credentials": ["lab-v3"]}}},
                          credentials=creds)
    db = new_store(tmp)
    with db.write() as s:
        devices.add_device(s, devices.DeviceCreate(
            name="sw-hall", address="127.0.0.1", snmp_port=agent.port, snmp_credential="lab-v2c"),
            actor="test")
    with running_collector(config) as collector:
        yield Served(collector, db, trap_port, syslog_port, agent, tmp)
    db.dispose()
