"""Backups inside ``muniops serve``: only metrics; states are judged on each scrape from
what the agents reported, so a backup turns late without anyone reporting."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.backups.metrics import BackupMetrics
from muniops.collector.core.feature import Runtime


class BackupsRuntime(Runtime):
    def metrics(self) -> Iterable[PromCollector]:
        return [BackupMetrics(self.collector.db, lambda: self.collector.settings.backups)]
