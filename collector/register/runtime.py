"""The register inside ``muniops serve``: its metrics (assets, repairs, warranties)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.core.feature import Runtime
from muniops.collector.register.metrics import InventoryMetrics


class RegisterRuntime(Runtime):
    def metrics(self) -> Iterable[PromCollector]:
        return [InventoryMetrics(self.collector.db)]
