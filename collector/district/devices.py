"""Which devices a district collector polls: the ONE function that knows how managed
devices are stored. Today that is the SNMP device table with its site, and the SSH
devices of the central's config with theirs; a single device register replaces both by
re-pointing this function, and nothing else of the district feature changes."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from muniops.collector.ssh.config import PlaybookSettings
from muniops.inventory.models import Site, SnmpDevice


def assigned_devices(session: Session, district: str, playbooks: PlaybookSettings
                     ) -> list[dict[str, Any]]:
    """The devices whose site is in ``district``, as the district's copy carries them
    (credentials by name only: their secrets stay in each collector's own file)."""
    sites = dict(session.exec(select(Site.name, Site.district)).all())
    rows = session.exec(select(SnmpDevice, Site.name)
                        .join(Site, col(Site.id) == col(SnmpDevice.site_id))
                        .where(Site.district == district)
                        .order_by(col(SnmpDevice.name))).all()
    out: list[dict[str, Any]] = [
        {"name": d.name, "address": d.address, "credential": d.credential, "site": site,
         "via": "snmp"} for d, site in rows]
    out += [{"name": d.name, "address": d.address, "credential": d.credential,
             "site": d.site, "via": "ssh", "platform": d.platform, "kind": d.kind}
            for d in playbooks.devices if d.site and sites.get(d.site) == district]
    return out
