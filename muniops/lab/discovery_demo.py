"""The demo's discovery data: the tables of two real devices (a Catalyst 2960-X with CDP
and a forwarding table, a MikroTik with LLDP), served by snmpsim from their recordings on
one fixed port (the README polls it), registered as devices read for their tables (not
polled), and read once through the
same code as ``muniops discover poll`` (which then works from a second terminal), so
``muniops unknown``, ``locate`` and ``topology`` have something to show.

The demo has passive sources only: an active sweep (``discover run``) needs root and a
network of its own, and the demo's config lists no subnet to sweep, so it says so."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from muniops.collector.core.settings import load_settings
from muniops.collector.discovery import passive
from muniops.inventory import devices as register
from muniops.inventory.db import Database
from muniops.lab.snmpsim import running_snmpsim

log = logging.getLogger(__name__)

COMMUNITY_PREFIX = "demo-snmp-"  # credential "demo-snmp-<recording>": community <recording>
PORT = 8611
# device: (recording, site)
SOURCES = {"ch-access-2960x": ("ios_2960x", "City Hall"),
           "ch-bridge-mikrotik": ("routeros_wifi", "City Hall")}


def _write_credentials(path: Path, names: list[str]) -> None:
    """Add each source's community to the credentials file, keeping other entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (yaml.safe_load(path.read_text()) if path.exists() else {}) or {}
    for name in names:
        data[name] = {"type": "snmp_v2c", "community": name.removeprefix(COMMUNITY_PREFIX)}
    path.write_text(yaml.safe_dump(data, sort_keys=True))
    path.chmod(0o600)


def _register(db: Database) -> None:
    """The two switches as devices whose tables discovery reads (idempotent)."""
    with db.write() as s:
        sites = set(register.site_names(s).values())
        for name, (recording, site) in SOURCES.items():
            if register.find(s, name) is None:
                register.add_device(s, register.DeviceCreate(
                    name=name, address="127.0.0.1", snmp_port=PORT,
                    snmp_credential=COMMUNITY_PREFIX + recording, snmp_poll=False,
                    tables=["arp", "fdb", "neighbours"], site=site if site in sites else None),
                    actor="demo")


@contextmanager
def demo(config_path: Path) -> Iterator[None]:
    settings = load_settings(config_path)
    if settings.credentials_file is None:
        raise RuntimeError(f"{config_path}: the demo needs credentials_file")
    _write_credentials(settings.credentials_file,
                       [COMMUNITY_PREFIX + recording for recording, _ in SOURCES.values()])
    settings = load_settings(config_path)
    db = Database(settings.db_url)
    try:
        _register(db)
        with running_snmpsim(port=PORT) as port:
            reports = passive.poll_all(db, settings, settings.discovery, None, actor="demo")
            read = [r.device for r in reports if not r.error]
            print(f"discovery: passive sources only, {len(read)} of {len(SOURCES)} switch "
                  f"tables read from snmpsim 127.0.0.1:{port} (muniops discover poll, "
                  "unknown, locate, topology); no sweep: `discover run` needs root and a "
                  "subnet of its own")
            yield
    finally:
        db.dispose()
