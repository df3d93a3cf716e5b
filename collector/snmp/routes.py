"""``/api/v1/poll``: poll registered devices now, as ``muniops poll NAME...`` does, in the
background: the answer is a job (``GET /api/v1/jobs/{id}``) whose result is each device's
poll. Devices are named (names are unique); a liaison polls only its district's.
``/api/v1/links``: the wireless links, as ``muniops links`` shows them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from muniops.collector.api.auth import DB, AnyCaller, Writer
from muniops.collector.api.parity import cli
from muniops.collector.core.feature import runtime_of
from muniops.collector.jobs.registry import JobPublic
from muniops.collector.jobs.routes import submit
from muniops.collector.snmp.links import link_rows
from muniops.collector.snmp.runner import poll_json, snmp_settings
from muniops.collector.snmp.runtime import SnmpRuntime
from muniops.inventory import devices as register
from muniops.inventory.device_scope import require_device
from muniops.inventory.sites import site_names

router = APIRouter(prefix="/api/v1", tags=["snmp"])


class PollBody(BaseModel):
    devices: list[str] = Field(min_length=1, max_length=1000, description="Device names.")
    redetect: bool = False


@router.post("/poll", status_code=status.HTTP_202_ACCEPTED, openapi_extra=cli("poll"))
def poll(body: PollBody, request: Request, caller: Writer, db: DB) -> JobPublic:
    """Poll the named devices now and record the outcome like the collector."""
    runtime = runtime_of(request.app.state, SnmpRuntime)
    if runtime is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "SNMP polling is not running")
    with db.read() as s:
        for name in body.devices:
            require_device(s, name, caller.scope)
            register.get_device(s, name)  # an unknown name is said now, not in the job
    runner, names = runtime.runner, list(body.devices)

    def work() -> dict[str, Any]:
        report = runner.run(names, redetect=body.redetect)
        return {"results": [poll_json(r) for r in report.results], "skipped": report.skipped}

    return submit(request, caller, "snmp.poll", ", ".join(names), work)


@router.get("/links", openapi_extra=cli("links"))
def links(request: Request, caller: AnyCaller, db: DB) -> list[dict[str, Any]]:
    """Each configured wireless link: ok, degraded or down, and why (a liaison: those with
    an end in its district)."""
    with db.read() as s:
        return link_rows(s, snmp_settings(request.app.state.settings),
                         site_names(s, caller.scope))
