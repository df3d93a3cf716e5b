"""Discovery inside ``muniops serve``: reading the registered routers' and switches'
tables every 15 minutes, in a pool of its own. Active sweeps need raw sockets and run from
``muniops discover run`` (cron or a systemd timer), not inside the API process."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.core.feature import Job, Runtime
from muniops.collector.discovery.metrics import DiscoveryMetrics
from muniops.collector.district.outbound import sender

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector


class DiscoveryRuntime(Runtime):
    def __init__(self, collector: Collector) -> None:
        super().__init__(collector)
        self.forward = sender(collector)  # a district's sightings go to the central too

    def jobs(self) -> Sequence[Job]:
        return [Job("discovery-passive", 900, self.read_tables, pool="discovery")]

    def metrics(self) -> Iterable[PromCollector]:
        return [DiscoveryMetrics(self.collector.db, self.collector.settings.discovery)]

    def read_tables(self) -> None:
        from muniops.collector.discovery import passive

        c = self.collector
        passive.poll_all(c.db, c.settings, c.settings.discovery, None, actor="discovery",
                         credentials=c.credentials, forward=self.forward)
