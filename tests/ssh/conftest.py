"""Fixtures of the SSH playbook tests: fake Cisco IOS devices (fakenos, in its own venv and
process), a configuration naming them, and their credentials file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from muniops.collector.core.settings import Settings, load_settings
from muniops.lab.fakenos import FakeDevice, FakeLab, running_fakenos

PASSWORD = "lab-only-password"
ENABLE = "lab-only-enable"


def write_config(tmp_path: Path, db_url: str, devices: list[dict[str, object]],
                 extra_credentials: dict[str, object] | None = None) -> Path:
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
        "playbooks": {"workers": 4, "connect_timeout": 4, "devices": devices}}))
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
