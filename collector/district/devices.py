"""Which devices a district collector polls: the register's devices whose site is in the
district, with their roles (credentials by name only: their secrets stay in each
collector's own file)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from muniops.inventory.models import Site
from muniops.inventory.models.devices import Device


def assigned_devices(session: Session, district: str) -> list[dict[str, Any]]:
    """The enabled devices of ``district``'s sites, as the district's copy carries them."""
    rows = session.exec(select(Device, Site.name)
                        .join(Site, col(Site.id) == col(Device.site_id))
                        .where(Site.district == district, col(Device.enabled))
                        .order_by(col(Device.name))).all()
    return [{"name": d.name, "address": d.address, "addresses": d.addresses, "site": site,
             "kind": d.kind, "platform": d.platform, "tags": d.tags, "tables": d.tables,
             "snmp": ({"credential": d.snmp_credential, "port": d.snmp_port,
                       "poll": d.snmp_poll, "profile": d.snmp_profile,
                       "interval": d.snmp_interval}
                      if d.snmp_credential else None),
             "ssh": ({"credential": d.ssh_credential, "port": d.ssh_port,
                      "playbooks": d.ssh_playbooks} if d.ssh_credential else None)}
            for d, site in rows]
