"""Periodic jobs on the ``schedule`` library, in one background thread of the collector.

A feature adds a job with ``@job(every=..., name=...)`` in its own module; a job that
fails is logged and counted, and runs again at its next time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import schedule
from prometheus_client import CollectorRegistry, Counter, Gauge

if TYPE_CHECKING:
    from muniops.collector.service import Collector

log = logging.getLogger(__name__)

JobFunc = Callable[["Collector"], None]


@dataclass(frozen=True)
class JobSpec:
    name: str
    every_seconds: int
    func: JobFunc


JOBS: dict[str, JobSpec] = {}


def job(name: str, every_seconds: int) -> Callable[[JobFunc], JobFunc]:
    """Register ``func`` as a periodic job. Names are unique."""

    def register(func: JobFunc) -> JobFunc:
        if name in JOBS:
            raise ValueError(f"job {name!r} is registered twice")
        JOBS[name] = JobSpec(name, every_seconds, func)
        return func

    return register


class JobRunner:
    """Runs the registered jobs until stopped; measures each run."""

    def __init__(self, collector: Collector, registry: CollectorRegistry,
                 jobs: dict[str, JobSpec] | None = None) -> None:
        self.collector = collector
        self.jobs = dict(JOBS if jobs is None else jobs)
        self._schedule = schedule.Scheduler()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_success = Gauge("muniops_job_last_success_timestamp_seconds",
                                  "When each periodic job last finished without error.",
                                  ["job_name"], registry=registry)
        self.failures = Counter("muniops_job_failures_total",
                                "Periodic job runs that raised an error.", ["job_name"],
                                registry=registry)
        self.duration = Gauge("muniops_job_duration_seconds",
                              "How long each periodic job's last run took.", ["job_name"],
                              registry=registry)
        for spec in self.jobs.values():
            self.failures.labels(spec.name)  # a counter exists at 0 before its first failure
            self._schedule.every(spec.every_seconds).seconds.do(self.run_job, spec.name)

    def run_job(self, name: str) -> bool:
        spec = self.jobs[name]
        started = time.monotonic()
        try:
            spec.func(self.collector)
        except Exception:  # a job's failure must not stop the others; it is logged whole
            log.exception("job %s failed", name)
            self.failures.labels(name).inc()
            return False
        finally:
            self.duration.labels(name).set(time.monotonic() - started)
        self.last_success.labels(name).set_to_current_time()
        log.debug("job %s done in %.2fs", name, time.monotonic() - started)
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="muniops-jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._schedule.run_pending()
            idle = self._schedule.idle_seconds
            self._stop.wait(timeout=min(max(idle or 1.0, 0.05), 1.0))

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
