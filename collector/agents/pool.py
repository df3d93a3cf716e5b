"""Full reports read and stored by worker processes.

One collector process is bound by Python's global lock: a full report costs ~12–16 ms of
CPU (gunzip, pydantic, the store's statements), so one process tops out near 45–85 reports
a second however many cores the machine has. With ingest workers (``agents.ingest_workers``,
one per core by default) the API process only reads the body and hands the bytes over; a
worker process checks the token, expands, parses and stores a batch of reports in one
transaction, and answers what became of each (an ``Outcome``). Heartbeats stay in the API
process: they are cheap and go in bulk.

What crosses between processes is plain: bytes in, an ``Outcome`` out. The API keeps the
token cache, the counters and ``/metrics``, so nothing depends on which process stored a
report. A request is answered after its batch committed, as in the process's own writer.
A worker that dies takes its batch with it: those requests get a 503, the agent sends the
report again (recognised by its UUID if the batch had committed), and a new pool starts."""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col, select

from muniops.collector.agents import reading
from muniops.collector.agents.tokens import KnownAgent
from muniops.collector.agents.writer import Pending, apply_batch, take_waiting
from muniops.inventory.agent_policy import AgentSettings
from muniops.inventory.agent_schema import Report
from muniops.inventory.agents import IngestResult
from muniops.inventory.db import Database
from muniops.inventory.errors import Conflict, MuniopsError, TokenRefused
from muniops.inventory.models import Agent

log = logging.getLogger(__name__)

MAX_BATCH = 8  # reports per worker transaction: small enough to spread over the workers
PARENT_CHECK_SECONDS = 1.0


class StoreUnavailable(MuniopsError):
    """The store (or the worker storing) failed: nothing of the batch was kept; send again."""

    http_status = 503

    def __init__(self, message: str = "store unavailable, send again later") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Job:
    """One report as the API read it: the worker looks ``token_hash`` up itself when the
    API's cache did not know it (``agent`` None)."""

    token_hash: str
    raw: bytes
    encoding: str
    agent: KnownAgent | None


@dataclass(frozen=True)
class Outcome:
    """What became of one report: stored (``status``) or refused (``error``)."""

    agent: KnownAgent | None  # who sent it, once its token was found good
    status: str = ""
    report_id: str = ""
    kind: str = ""
    asset_id: int | None = None
    error: Exception | None = None


# ---- in the worker process --------------------------------------------------------------

_worker: tuple[Database, AgentSettings] | None = None


def _start_worker(url: str, limits: dict[str, Any], level: int, parent: int) -> None:
    global _worker
    logging.basicConfig(level=level,
                        format="%(asctime)s %(levelname)s %(name)s[ingest worker]: %(message)s")
    _worker = (Database(url), AgentSettings.model_validate(limits))
    threading.Thread(target=_follow_parent, args=(parent,), daemon=True,
                     name="muniops-parent-watch").start()


def _follow_parent(parent: int) -> None:
    """End with the API process, even SIGKILLed: a worker holds its own task queue's write
    end, so it would wait on it for ever, an orphan holding store connections."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # a batch in its transaction is rolled back: its requests were cut anyway


def _ready() -> None:
    """Nothing: submitted once per worker to start them all."""


def _who(db: Database, jobs: Sequence[Job]) -> dict[str, KnownAgent]:
    """The agents behind the tokens the API did not know, in one read."""
    unknown = [j.token_hash for j in jobs if j.agent is None]
    if not unknown:
        return {}
    with db.read() as s:
        rows = s.exec(select(Agent).where(col(Agent.token_hash).in_(unknown))).all()
    return {row.token_hash: KnownAgent(row.id or 0, row.uid)
            for row in rows if row.revoked_at is None}


def outcome_of(agent: KnownAgent, report: Report, done: Future[IngestResult]) -> Outcome:
    """What the writer made of ``report`` (``done`` has its answer), as an Outcome: the
    one reading of a writer's answer, in a worker or in the API process. Any other
    exception (a bug, logged where it happened) is raised."""
    try:
        result = done.result()
    except OperationalError as exc:
        log.error("report %s not stored: %s: %s", report.report_id, type(exc).__name__,
                  exc.orig)
        return Outcome(agent, error=StoreUnavailable())
    except (TokenRefused, Conflict, IntegrityError) as exc:
        return Outcome(agent, error=exc)
    return Outcome(agent, result.status, str(report.report_id), report.kind, result.asset_id)


def _settled(agent: KnownAgent, item: Pending) -> Outcome:
    """In a worker, a bug fails its report alone, as a plain 500."""
    try:
        return outcome_of(agent, item.report, item.done)
    except Exception as exc:
        return Outcome(agent, error=RuntimeError(f"report not applied: {type(exc).__name__}"))


def run_jobs(jobs: Sequence[Job]) -> list[Outcome]:
    """Check, read and store ``jobs`` (in one transaction); an Outcome for each, in order."""
    assert _worker is not None, "not an ingest worker"
    db, limits = _worker
    try:
        known = _who(db, jobs)
    except OperationalError:
        return [Outcome(None, error=StoreUnavailable()) for _ in jobs]
    outcomes: list[Outcome | tuple[KnownAgent, Pending]] = []
    for job in jobs:
        agent = job.agent or known.get(job.token_hash)
        if agent is None:  # refused before its body is read
            outcomes.append(Outcome(None, error=TokenRefused("unknown or revoked agent token")))
            continue
        try:
            report = reading.read(job.raw, job.encoding, limits)
        except reading.Rejected as exc:
            outcomes.append(Outcome(agent, error=exc))
            continue
        outcomes.append((agent, Pending(agent.id, report, job.token_hash)))
    batch = [o[1] for o in outcomes if isinstance(o, tuple)]
    if batch:
        apply_batch(db, batch)
    return [o if isinstance(o, Outcome) else _settled(*o) for o in outcomes]


# ---- in the API process -----------------------------------------------------------------

class IngestPool:
    """``workers`` processes, each storing one batch at a time; a dispatcher thread makes
    a batch of whatever waits whenever a worker is free (it never waits to fill one)."""

    def __init__(self, db: Database, limits: AgentSettings, workers: int,
                 max_batch: int = MAX_BATCH) -> None:
        self.workers, self.max_batch = workers, max_batch
        self._init = (db.url, limits.model_dump(mode="json"), logging.getLogger().level,
                      os.getpid())  # the parent's pid as it knows it: it may die first
        self._executor = self._new_executor()
        self._warm = False
        self._lock = threading.Lock()
        self._free = threading.Semaphore(workers)
        self._queue: queue.Queue[tuple[Job, Future[Outcome]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._dispatch, name="muniops-ingest-pool",
                                        daemon=True)
        self._thread.start()

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the API process has threads and open store connections
        return ProcessPoolExecutor(self.workers, multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=self._init)

    def warm(self) -> None:
        """Start every worker now (each takes about a second to import), not one by one
        under the first reports."""
        if self._warm:
            return
        self._warm = True
        for _ in range(self.workers):
            self._executor.submit(_ready)

    def submit(self, job: Job) -> Future[Outcome]:
        done: Future[Outcome] = Future()
        self._queue.put((job, done))
        return done

    def _dispatch(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            self._free.acquire()  # what arrives meanwhile joins this batch
            self._send(take_waiting(self._queue, first, self.max_batch))

    def _send(self, batch: list[tuple[Job, Future[Outcome]]]) -> None:
        executor = self._executor
        try:
            answer = executor.submit(run_jobs, [job for job, _ in batch])
        except (BrokenProcessPool, RuntimeError) as exc:
            self._failed(executor, batch, exc)
            return
        answer.add_done_callback(lambda f: self._settle(executor, batch, f))

    def _settle(self, executor: ProcessPoolExecutor,
                batch: list[tuple[Job, Future[Outcome]]], answer: Future[list[Outcome]]
                ) -> None:
        try:
            outcomes = answer.result()
        except BrokenProcessPool as exc:  # a worker died
            self._failed(executor, batch, exc)
            return
        except Exception as exc:  # a bug in the worker: these reports fail alone, as 500s
            log.error("ingest worker: %d report(s) not applied", len(batch), exc_info=exc)
            outcomes = [Outcome(job.agent, error=RuntimeError("report not applied"))
                        for job, _ in batch]
        self._free.release()
        for (_job, done), outcome in zip(batch, outcomes, strict=True):
            done.set_result(outcome)

    def _failed(self, executor: ProcessPoolExecutor,
                batch: list[tuple[Job, Future[Outcome]]], exc: Exception) -> None:
        log.error("ingest worker failed (%s): %d report(s) answered 503; a new pool starts",
                  type(exc).__name__, len(batch))
        with self._lock:
            if self._executor is executor:  # the first to see it replaces the pool
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
        self._free.release()
        for job, done in batch:
            done.set_result(Outcome(job.agent, error=StoreUnavailable(
                "an ingest worker stopped, send again later")))

    def close(self, timeout: float = 30.0) -> None:
        """Store what is queued, then stop the workers."""
        self._queue.put(None)
        self._thread.join(timeout)
        self._executor.shutdown(wait=True)
