"""Each configured wireless link with its last state: what ``muniops links`` prints and
``GET /api/v1/links`` answers."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from muniops.collector.snmp.config import SnmpSettings
from muniops.inventory import snmp as store


def link_rows(session: Session, cfg: SnmpSettings,
              sites: set[str] | None = None) -> list[dict[str, Any]]:
    """One row per configured link; a liaison (``sites``: its district's site names) sees
    the links with an end in its district."""
    stored = {link.name: link for link in store.list_links(session)}
    rows = []
    for link in cfg.links:
        if sites is not None and link.a.site not in sites and link.b.site not in sites:
            continue
        row = stored.get(link.name)
        rows.append({"name": link.name, "site_a": link.a.site, "device_a": link.a.device,
                     "site_b": link.b.site, "device_b": link.b.device,
                     "state": row.state.value if row else "unknown",
                     "reason": row.reason if row else "not polled yet",
                     "readings": row.readings if row else {},
                     "updated_at": row.updated_at if row else None})
    return rows
