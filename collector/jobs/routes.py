"""``/api/v1/jobs``: the state of the long operations a caller started; ``submit`` is how
another feature's route starts one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status

from muniops.collector.api.auth import AnyCaller, Caller
from muniops.collector.core.feature import runtime_of
from muniops.collector.jobs.registry import JobPublic, JobRegistry
from muniops.collector.jobs.runtime import JobsRuntime

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


def registry_of(request: Request) -> JobRegistry:
    runtime = runtime_of(request.app.state, JobsRuntime)
    if runtime is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "background jobs run only inside muniops serve")
    return runtime.registry


def submit(request: Request, caller: Caller, kind: str, what: str,
           work: Callable[[], Any]) -> JobPublic:
    """Start ``work`` in the background for ``caller``; the answer to give is the job."""
    return registry_of(request).submit(kind, what, work, actor=caller.actor,
                                       scope=caller.scope)


@router.get("")
def list_jobs(request: Request, caller: AnyCaller) -> list[JobPublic]:
    """Jobs of this process, newest first (a liaison's: its district's)."""
    return registry_of(request).list(caller.scope)


@router.get("/{job_id}")
def get_job(job_id: str, request: Request, caller: AnyCaller) -> JobPublic:
    return registry_of(request).get(job_id, caller.scope)
