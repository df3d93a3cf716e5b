"""Passive discovery: read the register's routers' ARP tables, switches' forwarding tables
and LLDP/CDP neighbours (the devices with discovery tables) over SNMP (through
``collector.snmp.session``), and record them. Nothing is probed on the networks
themselves. A device that fails is reported and the rest go on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from muniops.collector.core.credentials import CredentialStore
from muniops.collector.core.settings import Settings
from muniops.collector.discovery import snmp_tables
from muniops.collector.discovery.config import DiscoverySettings
from muniops.collector.discovery.oui import registry
from muniops.collector.district.outbound import Send, key_of
from muniops.collector.snmp.errors import SnmpError
from muniops.collector.snmp.session import SnmpSession, SnmpTarget, SnmpValue
from muniops.inventory import devices as register, discovery, district
from muniops.inventory.db import Database
from muniops.inventory.errors import CredentialError
from muniops.inventory.models.discovery import SeenBy
from muniops.inventory.types import utcnow

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


@dataclass(frozen=True)
class Source:
    """A registered device read for its tables, as discovery needs it."""

    name: str
    host: str
    port: int
    credential: str
    site: str
    tables: tuple[str, ...]


def sources(db: Database, site: str | None = None) -> list[Source]:
    """The register's devices with discovery tables (of ``site``, or all)."""
    with db.read() as s:
        sites = register.site_names(s)
        rows = register.table_sources(s)
    out = [Source(d.name, d.address, d.snmp_port, d.snmp_credential or "",
                  sites.get(d.site_id or 0, ""), tuple(d.tables)) for d in rows]
    return [src for src in out if site is None or src.site == site]


def _target(source: Source, credentials: CredentialStore, timeout: float) -> SnmpTarget:
    return SnmpTarget(host=source.host, port=source.port,
                      credential=credentials.snmp(source.credential), timeout=timeout)


def record(db: Database, cfg: DiscoverySettings, site: str, source: Source,
           tables: SourceTables, *, actor: str, forward: Send | None = None) -> SourceReport:
    """Store one device's tables. ARP entries become sightings; forwarding entries only say
    where a MAC is plugged in (a trunk port carries many MACs of other switches). On a
    district collector the sightings go to the central too (``forward``)."""
    oui = registry(cfg.oui_dir)
    observations = [discovery.Observation(ip=e.ip, mac=e.mac, how=SeenBy.SNMP_ARP,
                                          vendor=oui.vendor(e.mac)) for e in tables.arp]
    if forward is not None and observations:
        at = utcnow().isoformat()
        forward("discovery.sightings", key_of("discovery.sightings", site, source.name, at),
                {"site": site, "source": source.name, "at": at,
                 "observations": [{"ip": o.ip, "mac": o.mac, "how": o.how.value,
                                   "vendor": o.vendor, "hostname": o.hostname}
                                  for o in observations]})
    with db.write() as s:
        if "fdb" in source.tables:
            discovery.record_forwarding(s, source.name, site, tables.fdb)
        if "neighbours" in source.tables:
            discovery.record_neighbours(s, source.name, site, tables.links)
        discovery.record_observations(s, site, observations, actor=actor)
    return SourceReport(site=site, device=source.name, arp=len(tables.arp),
                        fdb=len(tables.fdb), neighbours=len(tables.links))


def poll_all(db: Database, settings: Settings, cfg: DiscoverySettings, site: str | None,
             *, actor: str, credentials: CredentialStore | None = None,
             forward: Send | None = None) -> list[SourceReport]:
    """Read every registered device's tables (of ``site``, or all) one after the other."""
    listed = sources(db, site)
    if settings.district.role == "central":  # a district reads its own devices' tables
        with db.read() as s:
            served = district.served_devices(s)
        listed = [src for src in listed if src.name not in served]
    if not listed:
        return []
    store = credentials or CredentialStore(settings.credentials_file)
    timeout = settings.snmp.timeout_seconds
    reports = []
    for source in listed:
        site_name = source.site
        try:
            tables = asyncio.run(read_tables(_target(source, store, timeout), source.tables))
        except (SnmpError, CredentialError) as exc:
            log.warning("discovery: %s (%s): %s", source.name, source.host, exc)
            reports.append(SourceReport(site=site_name, device=source.name, error=str(exc)))
            continue
        reports.append(record(db, cfg, site_name, source, tables, actor=actor,
                              forward=forward))
    return reports
