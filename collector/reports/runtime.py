"""Reports inside ``muniops serve``: the scheduled reports, written and mailed once per
period of their calendar."""

from __future__ import annotations

from collections.abc import Sequence

from muniops.collector.core.feature import Job, Runtime


class ReportsRuntime(Runtime):
    def jobs(self) -> Sequence[Job]:
        return [Job("report-schedules", 3600, self.run_schedules, once_per_store=True)]

    def run_schedules(self) -> None:
        from muniops.collector.reports.schedule import run_all  # mail and renderers load late

        run_all(self.collector.db, self.collector.settings)
