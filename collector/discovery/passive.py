"""Passive discovery: read routers' ARP tables, switches' forwarding tables and LLDP/CDP
neighbours over SNMP (through ``collector.snmp.session``), and record them. Nothing is
probed on the networks themselves. A device that fails is reported and the rest go on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from muniops.collector.core.credentials import CredentialStore
from muniops.collector.core.settings import Settings
from muniops.collector.discovery import snmp_tables
from muniops.collector.discovery.config import DiscoverySettings, SnmpSource
from muniops.collector.discovery.oui import registry
from muniops.collector.snmp.errors import SnmpError
from muniops.collector.snmp.session import SnmpSession, SnmpTarget, SnmpValue
from muniops.inventory import discovery
from muniops.inventory.db import Database
from muniops.inventory.errors import CredentialError
from muniops.inventory.models.discovery import SeenBy

log = logging.getLogger(__name__)


class SourceReport(BaseModel):
    site: str
    device: str
    arp: int = 0
    fdb: int = 0
    neighbours: int = 0
    error: str | None = None


@dataclass
class SourceTables:
    """What one device's tables said."""

    arp: list[snmp_tables.ArpEntry] = field(default_factory=list)
    fdb: list[discovery.FdbEntry] = field(default_factory=list)
    links: list[discovery.Link] = field(default_factory=list)


async def read_tables(target: SnmpTarget, tables: Sequence[str]) -> SourceTables:
    """Walk the columns ``tables`` need (each once) and parse them."""
    columns = list(dict.fromkeys(c for t in tables for c in snmp_tables.TABLES[t]))
    walk: list[tuple[str, SnmpValue]] = []
    async with SnmpSession(target) as session:
        for column in columns:
            walk.extend(await session.walk(column))
    out = SourceTables()
    if "arp" in tables:
        out.arp = snmp_tables.arp_table(walk)
    if "fdb" in tables:
        out.fdb = snmp_tables.forwarding_table(walk)
    if "neighbours" in tables:
        out.links = snmp_tables.neighbours(walk)
    return out


def _target(source: SnmpSource, credentials: CredentialStore) -> SnmpTarget:
    return SnmpTarget(host=source.host, port=source.port,
                      credential=credentials.snmp(source.credential),
                      timeout=source.timeout_seconds)


def record(db: Database, cfg: DiscoverySettings, site: str, source: SnmpSource,
           tables: SourceTables, *, actor: str) -> SourceReport:
    """Store one device's tables. ARP entries become sightings; forwarding entries only say
    where a MAC is plugged in (a trunk port carries many MACs of other switches)."""
    oui = registry(cfg.oui_dir)
    observations = [discovery.Observation(ip=e.ip, mac=e.mac, how=SeenBy.SNMP_ARP,
                                          vendor=oui.vendor(e.mac)) for e in tables.arp]
    with db.write() as s:
        if "fdb" in source.tables:
            discovery.record_forwarding(s, source.name, site, tables.fdb)
        if "neighbours" in source.tables:
            discovery.record_neighbours(s, source.name, site, tables.links)
        discovery.record_observations(s, site, observations, actor=actor)
    return SourceReport(site=site, device=source.name, arp=len(tables.arp),
                        fdb=len(tables.fdb), neighbours=len(tables.links))


def poll_all(db: Database, settings: Settings, cfg: DiscoverySettings, site: str | None,
             *, actor: str, credentials: CredentialStore | None = None) -> list[SourceReport]:
    """Read every configured SNMP source (of ``site``, or all) one after the other."""
    sources = [(s, src) for s, nets in cfg.sites.items() for src in nets.snmp
               if site is None or s == site]
    if not sources:
        return []
    store = credentials or CredentialStore(settings.credentials_file)
    reports = []
    for site_name, source in sources:
        try:
            tables = asyncio.run(read_tables(_target(source, store), source.tables))
        except (SnmpError, CredentialError) as exc:
            log.warning("discovery: %s (%s): %s", source.name, source.host, exc)
            reports.append(SourceReport(site=site_name, device=source.name, error=str(exc)))
            continue
        reports.append(record(db, cfg, site_name, source, tables, actor=actor))
    return reports
