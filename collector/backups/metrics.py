"""Backup metrics, from the store on each scrape: one state per host and backup, the
newest backup's time and size, and its shrinkage since the one before."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy.exc import SQLAlchemyError

from muniops.inventory import backups
from muniops.inventory.backup_policy import BackupSettings
from muniops.inventory.db import Database

log = logging.getLogger(__name__)
LABELS = ["host", "site", "district", "backup", "source"]


class BackupMetrics(PromCollector):
    def __init__(self, db: Database, settings: Callable[[], BackupSettings]) -> None:
        self.db = db
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        try:
            with self.db.read() as s:
                rows = backups.backup_rows(s, self.settings())
        except SQLAlchemyError as exc:
            log.warning("backup metrics: the store did not answer: %s", type(exc).__name__)
            return
        yield from families(rows)


def families(rows: list[backups.BackupRow]) -> list[Metric]:
    state = GaugeMetricFamily(
        "muniops_backup_state", "1 for the state each host's backup is in under the policy "
        "(ok, late, missing, failed, suspect), 0 for the others.", labels=[*LABELS, "state"])
    last = GaugeMetricFamily("muniops_backup_last_success_timestamp_seconds",
                             "When the newest backup was made (Unix time).", labels=LABELS)
    size = GaugeMetricFamily("muniops_backup_size_bytes", "Size of the newest backup.",
                             labels=LABELS)
    shrink = GaugeMetricFamily(
        "muniops_backup_shrink_ratio", "How much smaller the newest backup is than the one "
        "before (0 to 1; 0 when it grew).", labels=LABELS)
    totals = GaugeMetricFamily("muniops_backups", "Backups the policy expects, by state "
                               "and site.", labels=["state", "site"])
    per_site: Counter[tuple[str, str]] = Counter()
    for r in rows:
        key = [r.host, r.site or "", r.district or "", r.backup, r.source]
        for name in backups.STATES:
            state.add_metric([*key, name], 1.0 if r.state == name else 0.0)
        if r.last_success_at is not None:
            last.add_metric(key, r.last_success_at.timestamp())
        if r.size_bytes is not None:
            size.add_metric(key, r.size_bytes)
        if r.change_ratio is not None:
            shrink.add_metric(key, max(0.0, -r.change_ratio))
        per_site[(r.state, r.site or "")] += 1
    sites = sorted({site for _state, site in per_site})
    for site in sites:
        for name in backups.STATES:
            totals.add_metric([name, site], per_site[(name, site)])
    return [state, last, size, shrink, totals]
