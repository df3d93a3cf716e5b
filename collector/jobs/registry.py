"""The in-process registry of background jobs: a bounded thread pool, each job's state,
its result (JSON) or its error, kept for ``KEEP_SECONDS`` after it ends."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from muniops.inventory.errors import MuniopsError, NotFound
from muniops.inventory.scope import Scope
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600
MAX_KEPT = 1000


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobPublic(BaseModel):
    id: str
    kind: str  # e.g. "snmp.poll", "playbook.run"
    what: str  # what it was asked to do, e.g. the playbook and its targets
    state: JobState
    started_by: str
    district: str | None  # the scope it runs in: a liaison sees only its district's jobs
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: Any = None
    error: str = ""


class JobRegistry:
    def __init__(self, workers: int = 2) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, JobPublic] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="api-job")

    def submit(self, kind: str, what: str, work: Callable[[], Any], *, actor: str,
               scope: Scope) -> JobPublic:
        """Queue ``work``; its return value (JSON-able) becomes the job's result."""
        job = JobPublic(id=uuid.uuid4().hex, kind=kind, what=what, state=JobState.QUEUED,
                        started_by=actor, district=scope.district, created_at=utcnow())
        with self._lock:
            self._prune()
            self._jobs[job.id] = job
        self._pool.submit(self._run, job.id, work)
        return job.model_copy()

    def _run(self, job_id: str, work: Callable[[], Any]) -> None:
        self._update(job_id, state=JobState.RUNNING, started_at=utcnow())
        try:
            result = work()
        except MuniopsError as exc:
            self._update(job_id, state=JobState.FAILED, finished_at=utcnow(), error=str(exc))
        except Exception as exc:  # a job's failure stays with the job, named by its kind
            log.exception("background job %s failed", job_id)
            self._update(job_id, state=JobState.FAILED, finished_at=utcnow(),
                         error=f"{type(exc).__name__}")
        else:
            self._update(job_id, state=JobState.DONE, finished_at=utcnow(), result=result)

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._jobs[job_id] = job.model_copy(update=changes)

    def _prune(self) -> None:
        now = utcnow()
        ended = sorted((j for j in self._jobs.values() if j.finished_at is not None),
                       key=lambda j: j.finished_at or now)
        for j in ended:
            if (now - (j.finished_at or now)).total_seconds() > KEEP_SECONDS \
                    or len(self._jobs) > MAX_KEPT:
                del self._jobs[j.id]

    def get(self, job_id: str, scope: Scope) -> JobPublic:
        """A job; one started in another district (or by the whole city, for a liaison)
        does not exist for the caller."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (scope.is_limited and job.district != scope.district):
            raise NotFound("job", repr(job_id))
        return job.model_copy()

    def list(self, scope: Scope) -> list[JobPublic]:
        with self._lock:
            jobs = list(self._jobs.values())
        return sorted((j.model_copy() for j in jobs
                       if not scope.is_limited or j.district == scope.district),
                      key=lambda j: j.created_at, reverse=True)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
