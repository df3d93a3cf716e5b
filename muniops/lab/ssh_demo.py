"""The demo's fake Cisco IOS switches (fakenos), backed up by the demo collector.

This part registers them in the device register (fixed ports, so the README's ad-hoc run
finds them), starts them, writes their login into the demo's credentials file (mode 600),
and runs the playbooks once so the store has versions, facts and compliance results at once (the
collector then runs them on its schedule). One switch's configuration changes between two
backups, so ``muniops config diff`` has something to show."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from muniops.collector.core.settings import load_settings
from muniops.collector.ssh.runs import run_and_record
from muniops.inventory import devices as register
from muniops.inventory.db import Database
from muniops.lab.fakenos import (
    FakeDevice,
    load_nos,
    running_config,
    running_fakenos,
    with_running_config,
)
from muniops.lab.net import tcp_open

CREDENTIAL = "demo-ios"
PASSWORD_ENV = "MUNIOPS_DEMO_IOS_PASSWORD"
DEMO_PASSWORD = "demo-only-password"  # a throwaway lab device's, never a real one's
# name: (NOS, serial of a switch in config/demo/assets.csv so facts link it, port, site)
SWITCHES = {"sw-cityhall-1": ("cisco_ios_access", "CI19722233", 8601, "City Hall"),
            "sw-library-1": ("cisco_ios_access", "CI21535642", 8602, "Central Library"),
            "sw-waterworks-1": ("cisco_ios_legacy", "CI85893910", 8603, "Water Works")}


def _register(db: Database) -> None:
    """Put the switches in the device register (again after a restart: same ports)."""
    with db.write() as s:
        sites = set(register.site_names(s).values())
        for name, (_nos, _serial, port, site) in SWITCHES.items():
            if register.find(s, name) is not None:
                register.update_device(s, name, register.DeviceFields(
                    address="127.0.0.1", ssh_port=port, ssh_credential=CREDENTIAL),
                    actor="demo")
                continue
            register.add_device(s, register.DeviceCreate(
                name=name, address="127.0.0.1", ssh_port=port, platform="cisco_ios",
                ssh_credential=CREDENTIAL, site=site if site in sites else None,
                kind="switch", tags=["access"]), actor="demo")


def _write_credentials(path: Path) -> None:
    """Add the demo login to the credentials file, keeping other parts' entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(path.read_text()) if path.exists() else {}
    data = data or {}
    data[CREDENTIAL] = {"type": "ssh", "username": "netadmin",
                        "password": "${" + PASSWORD_ENV + "}",
                        "enable_secret": "${" + PASSWORD_ENV + "}"}
    path.write_text(yaml.safe_dump(data, sort_keys=True))
    path.chmod(0o600)


def env(_config_path: Path) -> dict[str, str]:
    """What a second terminal needs to log in to these switches (scripts/demo.py writes it
    to the demo's env file): the variable the credentials file refers to."""
    return {PASSWORD_ENV: os.environ.get(PASSWORD_ENV, DEMO_PASSWORD)}


@contextmanager
def demo(config_path: Path) -> Iterator[None]:
    settings = load_settings(config_path)
    os.environ.setdefault(PASSWORD_ENV, DEMO_PASSWORD)
    if settings.credentials_file is None:
        raise RuntimeError(f"{config_path}: the demo needs credentials_file set")
    _write_credentials(settings.credentials_file)
    busy = [f"127.0.0.1:{port}" for _n, _s, port, _site in SWITCHES.values()
            if tcp_open(port, "127.0.0.1")]
    if busy:
        raise RuntimeError(f"demo switch ports already in use: {', '.join(busy)}")
    devices = [FakeDevice(name, nos=nos, serial=serial, port=port,
                          password=os.environ[PASSWORD_ENV])
               for name, (nos, serial, port, _site) in SWITCHES.items()]
    with running_fakenos(devices) as lab:
        settings = load_settings(config_path)  # the credentials file exists now
        db = Database(settings.db_url)
        try:
            _register(db)
            for playbook in ("backup-config", "facts", "compliance-baseline", "pm-network"):
                run_and_record(settings, db, playbook, actor="demo")
            base = load_nos("cisco_ios_access")
            lab.restart(**{"sw-cityhall-1": with_running_config(base, running_config(base)
                           .replace("vlan 20\n name VOICE\n!",
                                    "vlan 20\n name VOICE\n!\nvlan 30\n name CAMERAS\n!"))})
            run_and_record(settings, db, "backup-config", actor="demo")
        finally:
            db.dispose()
        names = ", ".join(f"{n} (:{port})" for n, (_, _, port, _) in SWITCHES.items())
        print(f"fake Cisco IOS switches: {names} · try: .venv/bin/muniops --config "
              "config/demo.yaml config diff sw-cityhall-1 (or: compliance, playbook list)")
        yield
