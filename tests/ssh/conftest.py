"""Fixtures of the SSH playbook tests: fake Cisco IOS devices (fakenos, in its own venv and
process) in the device register, a configuration, and their credentials file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from muniops.collector.core.addresses import split_address
from muniops.collector.core.settings import Settings, load_settings
from muniops.inventory import devices as register
from muniops.inventory.db import Database
from muniops.inventory.migrate import upgrade
from muniops.inventory.models import Site
from muniops.lab.fakenos import FakeDevice, FakeLab, running_fakenos

PASSWORD = "lab-only-password"
ENABLE = "lab-only-enable"


def register_ssh(db_url: str, devices: list[dict[str, object]]) -> None:
    """Put SSH devices (as ``device_entry`` gives them) into the device register of the
    (migrated or new) store at ``db_url``, with their sites."""
    db = Database(db_url)
    upgrade(db.engine)
    with db.write() as s:
        for d in devices:
            site = str(d.get("site") or "")
            if site and s.exec(select(Site).where(Site.name == site)).first() is None:
                s.add(Site(name=site))
                s.flush()
            host, port = split_address(str(d["address"]), 22)
            register.add_device(s, register.DeviceCreate(
                name=str(d["name"]), address=host, ssh_port=port, site=site or None,
                platform=str(d["platform"]), ssh_credential=str(d["credential"]),
                kind=str(d.get("kind") or ""), tags=[str(t) for t in d.get("tags") or []]),
                actor="test")
    db.dispose()


def write_config(tmp_path: Path, db_url: str, devices: list[dict[str, object]],
                 extra_credentials: dict[str, object] | None = None) -> Path:
    """A config and credentials file for SSH tests; ``devices`` go into the register."""
    creds = tmp_path / "credentials.yaml"
    creds.write_text(yaml.safe_dump({
        "ios-admin": {"type": "ssh", "username": "netadmin", "password": PASSWORD,
                      "enable_secret": ENABLE},
        **(extra_credentials or {})}))
    creds.chmod(0o600)
    config = tmp_path / "muniops.yaml"
    config.write_text(yaml.safe_dump({
        "data_dir": str(tmp_path / "data"), "database_url": db_url,
        "credentials_file": str(creds),
        "playbooks": {"workers": 4, "connect_timeout": 4}}))
    register_ssh(db_url, devices)
    return config


def device_entry(name: str, port: int, *, site: str = "City Hall",
                 credential: str = "ios-admin") -> dict[str, object]:
    return {"name": name, "address": f"127.0.0.1:{port}", "platform": "cisco_ios",
            "credential": credential, "site": site, "kind": "switch"}


@pytest.fixture
def ios_lab() -> Iterator[FakeLab]:
    """Two fake switches: sw-hall (configured to the baseline) and sw-depot (legacy)."""
    with running_fakenos([FakeDevice("sw-hall", serial="FOC2101X0AB"),
                          FakeDevice("sw-depot", nos="cisco_ios_legacy",
                                     serial="FOC1822Y1CD")]) as lab:
        yield lab


@pytest.fixture
def ios_settings(tmp_path: Path, ios_lab: FakeLab, db_url: str) -> Settings:
    config = write_config(tmp_path, db_url, [device_entry("sw-hall", ios_lab.port("sw-hall")),
                                             device_entry("sw-depot", ios_lab.port("sw-depot"),
                                                          site="Water Works")])
    return load_settings(config)
