"""SSH playbooks inside ``muniops serve``: the nightly/weekly schedule and the metrics of
this process's runs. Runs go to the ``ssh`` pool: a long run never delays polling. With
``district.share_devices`` a scheduled run covers only the devices this collector holds
a lease on, each device's turn for that moment taken in the store by one collector."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.core.feature import Job, Runtime
from muniops.collector.district.outbound import sender
from muniops.collector.district.sharing import sharing_of
from muniops.collector.ssh.metrics import PlaybookMetrics
from muniops.collector.ssh.runs import RunStats, moment, registered_devices, run_and_record
from muniops.inventory.errors import ConfigError
from muniops.inventory.types import utcnow

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector

log = logging.getLogger(__name__)


class SshRuntime(Runtime):
    def __init__(self, collector: Collector) -> None:
        super().__init__(collector)
        self.stats = RunStats()
        self.forward = sender(collector)  # a district's runs go to its central too
        self._last_tick: datetime | None = None

    def jobs(self) -> Sequence[Job]:
        return [Job("ssh-playbooks", 60, self.run_scheduled, pool="ssh")]

    def metrics(self) -> Iterable[PromCollector]:
        return [PlaybookMetrics(self.collector.db, self.stats)]

    def run(self, playbook: str, *, actor: str, only: Collection[str] | None = None) -> None:
        """Run ``playbook`` on its devices (those named in ``only``, if given: a backup
        a configuration-change message asked for)."""
        c = self.collector
        devices = None if only is None else [
            d for d in registered_devices(c.db, playbook) if d.name in only]
        _, results = run_and_record(c.settings, c.db, playbook, actor=actor, devices=devices,
                                    credentials=c.credentials, stats=self.stats,
                                    forward=self.forward)
        failed = [r for r in results if not r.ok]
        log.info("playbook %s: %d device(s), %d failed", playbook, len(results), len(failed))

    def run_scheduled(self) -> None:
        """Run each scheduled playbook whose time came since the last tick."""
        now = utcnow()
        since, self._last_tick = self._last_tick or now, now
        sharing = sharing_of(self.collector)
        for entry in self.collector.settings.playbooks.schedule:
            at = moment(entry, since, now)
            if at is None:
                continue
            only = None
            if sharing is not None:  # this collector's devices, each run by one collector
                only = {d.name for d in registered_devices(self.collector.db, entry.playbook)
                        if sharing.take_run(entry.playbook, d.name, at)}
                if not only:
                    continue
            try:
                self.run(entry.playbook, actor=f"schedule:{entry.playbook}", only=only)
            except ConfigError as exc:
                log.error("scheduled playbook %s: %s", entry.playbook, exc)
