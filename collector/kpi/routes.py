"""``/api/v1/kpis``: the indicators against their targets for a period (the caller's
district only, for a liaison)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from muniops.collector.api.auth import DB, AnyCaller
from muniops.collector.kpi.cli import day_of, period_kind
from muniops.collector.kpi.figures import Figure, context_of, figures
from muniops.inventory.types import utcnow

router = APIRouter(prefix="/api/v1/kpis", tags=["kpis"])


@router.get("")
def list_kpis(caller: AnyCaller, request: Request, db: DB,
              period: Annotated[str, Query()] = "two-monthly",
              day: Annotated[str | None, Query()] = None) -> list[Figure]:
    settings = request.app.state.settings
    with db.read() as s:
        return figures(s, settings.kpis, context_of(settings), period_kind(period),
                       day_of(day, settings.kpis.timezone), utcnow(), caller.scope)
