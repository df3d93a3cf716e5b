"""Discovery's periodic work inside ``muniops serve``: reading the configured routers' and
switches' tables every 15 minutes. Active sweeps need raw sockets and run from
``muniops discover run`` (cron or a systemd timer), not inside the API process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from muniops.collector.scheduler import job

if TYPE_CHECKING:
    from muniops.collector.service import Collector


@job("discovery-passive", every_seconds=900)
def passive_poll(collector: Collector) -> None:
    from muniops.collector.discovery import passive

    cfg = collector.settings.discovery
    if any(nets.snmp for nets in cfg.sites.values()):
        passive.poll_all(collector.db, collector.settings, cfg, None, actor="discovery")
