"""One release of grace for config files that still list devices: the entries of
``playbooks.devices`` and ``discovery.sites.*.snmp`` are upserted into the register (at
``muniops serve`` start and by ``muniops devices import-config``), each key with a
deprecation warning. Nothing else reads devices from the config."""

from __future__ import annotations

import logging

from muniops.collector.core.settings import Settings
from muniops.inventory import devices
from muniops.inventory.db import Database

log = logging.getLogger(__name__)


def entries(settings: Settings) -> list[devices.LegacyEntry]:
    """The devices the config still lists, in register terms."""
    out = [devices.LegacyEntry(key="playbooks.devices", name=d.name, address=d.host,
                               site=d.site, ssh=(d.platform, d.credential, d.port),
                               kind=d.kind, tags=tuple(d.tags))
           for d in settings.playbooks.devices]
    for site, nets in settings.discovery.sites.items():
        out += [devices.LegacyEntry(key=f"discovery.sites.{site}.snmp", name=s.name,
                                    address=s.host, site=site, snmp=(s.credential, s.port),
                                    tables=tuple(s.tables))
                for s in nets.snmp]
    return out


def import_config(settings: Settings, db: Database) -> list[str]:
    """Upsert the listed devices; log and return one warning per deprecated key."""
    listed = entries(settings)
    if not listed:
        return []
    with db.write() as s:
        warnings = devices.import_legacy(s, listed)
    for warning in warnings:
        log.warning("%s", warning)
    return warnings
