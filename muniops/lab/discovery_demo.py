"""The demo's discovery data: the tables of two real devices (a Catalyst 2960-X with CDP
and a forwarding table, a MikroTik with LLDP), served by snmpsim from their recordings and
read once through the same code as ``muniops discover poll``, so ``muniops unknown``,
``locate`` and ``topology`` have something to show. Active sweeps need root and a real
network; the demo does not sweep."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr

from muniops.collector.core.credentials import SnmpCommunity
from muniops.collector.core.settings import load_settings
from muniops.collector.discovery import passive
from muniops.collector.discovery.config import SnmpSource
from muniops.collector.snmp.errors import SnmpError
from muniops.collector.snmp.session import SnmpTarget
from muniops.inventory.db import Database
from muniops.lab.net import wait_until
from muniops.lab.snmpsim import running_snmpsim

log = logging.getLogger(__name__)

SITE = "City Hall"
DEVICES = {"ch-access-2960x": "ios_2960x", "ch-bridge-mikrotik": "routeros_wifi"}


def _read(port: int, recording: str) -> passive.SourceTables | None:
    target = SnmpTarget("127.0.0.1", port, SnmpCommunity(
        type="snmp_v2c", community=SecretStr(recording)), timeout=1.0, retries=2)
    try:
        return asyncio.run(passive.read_tables(target, ["arp", "fdb", "neighbours"]))
    except SnmpError:
        return None


@contextmanager
def demo(config_path: Path) -> Iterator[None]:
    settings = load_settings(config_path)
    db = Database(settings.db_url)
    try:
        with running_snmpsim() as port:
            wait_until(lambda: _read(port, "ios_2960x") is not None, timeout=30,
                       what="snmpsim answering")
            for name, recording in DEVICES.items():
                tables = _read(port, recording)
                if tables is None:
                    log.warning("demo discovery: %s did not answer", name)
                    continue
                source = SnmpSource(name=name, host="127.0.0.1", port=port, credential="demo")
                passive.record(db, settings.discovery, SITE, source, tables, actor="demo")
    finally:
        db.dispose()
    yield
