"""Metrics of the SSH playbooks: backups (last success, changes), compliance failures by
rule and severity (from the store), and playbook runs (durations, failures) of this
process. Built fresh on each scrape from one grouped query per family."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from muniops.collector.ssh.runs import RunStats
from muniops.inventory import configs
from muniops.inventory.db import Database
from muniops.inventory.models.configs import ComplianceResult

log = logging.getLogger(__name__)


class PlaybookMetrics(PromCollector):
    def __init__(self, db: Database, stats: RunStats) -> None:
        self.db = db
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._store()
        except SQLAlchemyError as exc:  # muniops_store_up already says the store is away
            log.warning("playbook metrics: the store did not answer: %s", type(exc).__name__)
        yield from self._runs()

    def _store(self) -> list[Metric]:
        last = GaugeMetricFamily(
            "muniops_config_backup_last_success_timestamp_seconds",
            "When the device's configuration was last backed up successfully.",
            labels=["device", "site"])
        failing = GaugeMetricFamily(
            "muniops_config_backup_failing",
            "1 when the device's last backup attempt failed, else 0.",
            labels=["device", "site"])
        changes = CounterMetricFamily(
            "muniops_config_changes",
            "Configuration changes stored for the device (versions after the first).",
            labels=["device", "site"])
        compliance = GaugeMetricFamily(
            "muniops_compliance_failures",
            "Devices failing each compliance check, by rule and severity.",
            labels=["rule", "severity"])
        with self.db.read() as s:
            counts = configs.change_counts(s)
            for st in configs.backup_states(s):
                if st.last_success_at is not None:
                    last.add_metric([st.device, st.site], st.last_success_at.timestamp())
                failing.add_metric([st.device, st.site], 0 if not st.last_cause else 1)
                changes.add_metric([st.device, st.site], counts.get(st.device, 0))
            for rule, severity, n in s.exec(
                select(ComplianceResult.rule, ComplianceResult.severity, func.count())
                .where(col(ComplianceResult.passed).is_(False))
                .group_by(col(ComplianceResult.rule), col(ComplianceResult.severity))
            ):
                compliance.add_metric([rule, str(severity)], n)
        return [last, failing, changes, compliance]

    def _runs(self) -> Iterator[Metric]:
        duration = GaugeMetricFamily("muniops_playbook_run_duration_seconds",
                                     "How long the playbook's last run took.",
                                     labels=["playbook"])
        runs = CounterMetricFamily("muniops_playbook_runs",
                                   "Playbook runs by this collector.", labels=["playbook"])
        failures = CounterMetricFamily(
            "muniops_playbook_device_failures",
            "Devices a playbook run could not complete, by cause "
            "(auth_failed, timeout, unreachable, unexpected_prompt, disconnected, ...).",
            labels=["playbook", "cause"])
        with self.stats.lock:
            for name, seconds in self.stats.durations.items():
                duration.add_metric([name], seconds)
            for name, n in self.stats.runs.items():
                runs.add_metric([name], n)
            for (name, cause), n in self.stats.failures.items():
                failures.add_metric([name, cause], n)
        yield from (duration, runs, failures)
