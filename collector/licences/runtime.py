"""Software licences inside ``muniops serve``: their metrics."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.core.feature import Runtime
from muniops.collector.licences.metrics import LicenceMetrics


class LicencesRuntime(Runtime):
    def metrics(self) -> Iterable[PromCollector]:
        return [LicenceMetrics(self.collector.db, self.collector.settings.licences)]
