"""Endpoint agents inside ``muniops serve``: their metrics, the counters of reports the
API answers, and the daily job that forgets report UUIDs older than the ledger keeps."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.agents.metrics import AgentMetrics, ReportCounters
from muniops.collector.agents.pool import IngestPool
from muniops.collector.agents.tokens import TokenCache
from muniops.collector.agents.writer import IngestWriter
from muniops.collector.core.feature import Job, Runtime
from muniops.inventory import agents, software_sets

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector

log = logging.getLogger(__name__)


class AgentsRuntime(Runtime):
    def __init__(self, collector: Collector) -> None:
        super().__init__(collector)
        self.counters = ReportCounters(collector.registry)
        self.writer = IngestWriter(collector.db)
        self.tokens = TokenCache()
        workers = collector.settings.agents.ingest_workers
        if workers is None:
            workers = os.cpu_count() or 1
        # its processes start when the first agent calls (never on a district's collector,
        # which queues reports for the central rather than storing them)
        self.pool = IngestPool(collector.db, collector.settings.agents, workers) \
            if workers else None

    @property
    def stores_reports(self) -> bool:
        """Whether this collector stores its agents' reports (its writer checks each token
        as it stores), rather than queueing them for the central (a district's writer)."""
        return bool(getattr(self.writer, "checks_tokens", False))

    def ingest_pool(self) -> IngestPool | None:
        """The worker pool, where this collector stores reports itself, its processes
        started on first call: an agent calling is the sign that full reports will follow."""
        if self.pool is None or not self.stores_reports:
            return None
        self.pool.warm()
        return self.pool

    def jobs(self) -> Sequence[Job]:
        return [Job("agent-ledger-prune", 24 * 3600, self.prune_ledger, once_per_store=True)]

    def metrics(self) -> Iterable[PromCollector]:
        return [AgentMetrics(self.collector.db, self.collector.settings.agents)]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.writer.close()

    def prune_ledger(self) -> None:
        """Forget report UUIDs older than ``agents.ledger_days`` (an agent's spool never
        holds a report that long), and the software lists of hosts since deleted."""
        with self.collector.db.write() as s:
            n = agents.prune_ledger(s, self.collector.settings.agents.ledger_days)
            unused = software_sets.prune(s)
        log.info("agent ledger: forgot %d report ids, %d unused software lists", n, unused)
