"""Periodic jobs, fairly: ``schedule`` says when a job is due, and each pool (one per
feature unless a job names another) runs its jobs on its own threads, so a nightly
playbook run or a long discovery walk never delays the SNMP poll. A job still running
when its next turn comes is not started twice: that turn is counted as skipped.

Every job's last run, duration, outcome and lag (how late it started) are metrics."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import schedule
from prometheus_client import CollectorRegistry, Counter, Gauge

from muniops.collector.core.feature import Job

log = logging.getLogger(__name__)

OUTCOMES = ("success", "failure", "skipped")


class JobMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ["job_name"]
        self.last_success = Gauge("muniops_job_last_success_timestamp_seconds",
                                  "When each periodic job last finished without error.",
                                  labels, registry=registry)
        self.last_run = Gauge("muniops_job_last_run_timestamp_seconds",
                              "When each periodic job last started.", labels, registry=registry)
        self.duration = Gauge("muniops_job_duration_seconds",
                              "How long each periodic job's last run took.", labels,
                              registry=registry)
        self.lag = Gauge("muniops_job_lag_seconds",
                         "How late each periodic job's last run started after it was due.",
                         labels, registry=registry)
        self.running = Gauge("muniops_job_running", "1 while the job runs, else 0.", labels,
                             registry=registry)
        self.runs = Counter("muniops_job_runs_total",
                            "Turns of each periodic job by outcome: success, failure, or "
                            "skipped (still running from its previous turn).",
                            [*labels, "outcome"], registry=registry)
        self.failures = Counter("muniops_job_failures_total",
                                "Periodic job runs that raised an error.", labels,
                                registry=registry)

    def declare(self, name: str) -> None:
        """Every series exists from the start, at 0: an alert sees the job before it fails."""
        self.failures.labels(name)
        self.running.labels(name).set(0)
        for outcome in OUTCOMES:
            self.runs.labels(name, outcome)


class Scheduler:
    """Runs jobs in their pools until stopped."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.metrics = JobMetrics(registry)
        self._schedule = schedule.Scheduler()
        self._jobs: dict[str, Job] = {}
        self._due: dict[str, schedule.Job] = {}
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, job: Job) -> None:
        if job.name in self._jobs:
            raise ValueError(f"job {job.name!r} is added twice")
        if job.every_seconds <= 0:
            raise ValueError(f"job {job.name!r}: every_seconds must be positive")
        self._jobs[job.name] = job
        self.metrics.declare(job.name)
        self._due[job.name] = self._schedule.every(int(job.every_seconds)).seconds.do(
            self._submit, job.name)

    @property
    def jobs(self) -> dict[str, Job]:
        return dict(self._jobs)

    def _pool(self, job: Job) -> ThreadPoolExecutor:
        name = job.pool or job.name
        if name not in self._pools:
            size = max(j.concurrency for j in self._jobs.values() if (j.pool or j.name) == name)
            self._pools[name] = ThreadPoolExecutor(max_workers=size,
                                                   thread_name_prefix=f"muniops-{name}")
        return self._pools[name]

    def _submit(self, name: str) -> None:
        """Called by ``schedule`` when a job is due: hand it to its pool, never wait."""
        job = self._jobs[name]
        due_at: datetime | None = self._due[name].next_run
        with self._lock:
            if name in self._running:
                self.metrics.runs.labels(name, "skipped").inc()
                log.info("job %s: still running from its previous turn; this turn skipped",
                         name)
                return
            self._running.add(name)
        lag = max((datetime.now() - due_at).total_seconds(), 0.0) if due_at else 0.0
        self.metrics.lag.labels(name).set(lag)
        self._pool(job).submit(self.run_now, name)

    def run_now(self, name: str) -> bool:
        """Run one job in this thread and record its outcome; True when it succeeded."""
        job = self._jobs[name]
        with self._lock:
            self._running.add(name)
        m = self.metrics
        m.running.labels(name).set(1)
        m.last_run.labels(name).set_to_current_time()
        started = time.monotonic()
        try:
            job.run()
        except Exception:  # a job's failure must not stop the others; it is logged whole
            log.exception("job %s failed", name)
            m.failures.labels(name).inc()
            m.runs.labels(name, "failure").inc()
            return False
        else:
            m.last_success.labels(name).set_to_current_time()
            m.runs.labels(name, "success").inc()
            log.debug("job %s done in %.2fs", name, time.monotonic() - started)
            return True
        finally:
            m.duration.labels(name).set(time.monotonic() - started)
            m.running.labels(name).set(0)
            with self._lock:
                self._running.discard(name)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="muniops-scheduler",
                                        daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._schedule.run_pending()
            idle = self._schedule.idle_seconds
            self._stop.wait(timeout=min(max(idle if idle is not None else 1.0, 0.05), 1.0))

    def stop(self, timeout: float = 30.0) -> None:
        """Stop starting jobs; wait up to ``timeout`` for the running ones to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        deadline = time.monotonic() + timeout
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        while self._running and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._running:
            log.warning("jobs still running at stop: %s", ", ".join(sorted(self._running)))
