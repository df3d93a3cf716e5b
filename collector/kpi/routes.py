"""``/api/v1/kpis``: the indicators against their targets for a period (the caller's
district only, for a liaison)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from muniops.collector.api.auth import DB, AnyCaller, Staff
from muniops.collector.api.parity import cli
from muniops.collector.kpi.cli import day_of, period_kind
from muniops.collector.kpi.figures import Figure, context_of, figures
from muniops.inventory import kpis
from muniops.inventory.types import utcnow

router = APIRouter(prefix="/api/v1/kpis", tags=["kpis"])


@router.get("", openapi_extra=cli("kpis show"))
def list_kpis(caller: AnyCaller, request: Request, db: DB,
              period: Annotated[str, Query()] = "two-monthly",
              day: Annotated[str | None, Query()] = None) -> list[Figure]:
    settings = request.app.state.settings
    with db.read() as s:
        return figures(s, settings.kpis, context_of(settings), period_kind(period),
                       day_of(day, settings.kpis.timezone), utcnow(), caller.scope)


@router.post("/sample", openapi_extra=cli("kpis sample"))
def sample(caller: Staff, request: Request, db: DB) -> dict[str, int]:
    """Record the link, antivirus and backup states that changed (the ``kpi-sample`` job)."""
    with db.write() as s:
        return {"changed": kpis.sample_states(s, context_of(request.app.state.settings))}
