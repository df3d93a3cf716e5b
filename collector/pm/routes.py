"""``/api/v1/pm``: the plan, what is due, one task, and recording or skipping a visit —
the operations of ``muniops.inventory.pm`` the ``pm`` CLI calls. A liaison sees and
closes only its district's tasks; re-planning the whole city is staff's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from muniops.collector.api.auth import DB, AnyCaller, Staff, Writer
from muniops.collector.api.parity import cli
from muniops.collector.core.settings import Settings
from muniops.inventory import pm

router = APIRouter(prefix="/api/v1/pm", tags=["pm"])

TaskId = Annotated[int, Path(ge=1, lt=2**63)]


class PlanBody(BaseModel):
    rebuild: bool = False
    weeks: int = Field(12, ge=1, le=520)


class DoneBody(BaseModel):
    by: str = Field(description="Who did the maintenance.")
    fail: dict[str, str] = Field(default_factory=dict, description=(
        "Checklist items that failed (by text or 1-based number) → note; the others are ok."))
    note: str = ""
    repair: bool = Field(False, description="Open a repair ticket for the failed items.")


class DonePublic(BaseModel):
    task: int
    record: int
    repair_ticket: int | None
    evidence_available: bool


class SkipBody(BaseModel):
    reason: str


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post("/plan", openapi_extra=cli("pm plan"))
def plan(body: PlanBody, request: Request, caller: Staff, db: DB) -> dict[str, Any]:
    """Bring the plan in step with the register; each team's weekly load."""
    settings = _settings(request).pm
    with db.write() as s:
        result = pm.sync_plan(s, settings, actor=caller.actor, rebuild=body.rebuild)
        pm.refresh_states(s)
    with db.read() as s:
        load = pm.weekly_load(s, body.weeks, caller.scope)
    return {"created": result.created, "removed": result.removed, "kept": result.kept,
            "replanned": result.replanned, "max_per_week": settings.max_per_week,
            "over_cap": [{"team": t, "week": w} for t, w in result.over_cap], "load": load}


@router.get("/due", openapi_extra=cli("pm due"))
def due(caller: AnyCaller, db: DB, site: str | None = None, team: str | None = None,
        district: str | None = None,
        week: Annotated[str | None, Query(description="ISO week, e.g. 2026-W49")] = None,
        days: Annotated[int | None, Query(ge=0, le=3660)] = None) -> list[pm.PmTaskPublic]:
    """Tasks due now or overdue (by each site's calendar), or due within ``days``."""
    with db.write() as s:
        pm.refresh_states(s)
    with db.read() as s:
        return pm.due_tasks(s, site=site, team=team, district=district, week=week, days=days,
                            scope=caller.scope)


@router.get("/tasks/{task}", openapi_extra=cli("pm show"))
def show(task: TaskId, request: Request, caller: AnyCaller, db: DB) -> pm.PmTaskDetail:
    with db.write() as s:
        pm.refresh_states(s)
    with db.read() as s:
        return pm.show(s, task, _settings(request).pm, caller.scope)


@router.post("/tasks/{task}/done", openapi_extra=cli("pm done"))
def done(task: TaskId, body: DoneBody, request: Request, caller: Writer,
         db: DB) -> DonePublic:
    """Record a visit: checklist results, notes, and optionally a repair ticket."""
    settings = _settings(request)
    with db.write() as s:
        record = pm.complete(s, task, settings.pm, performed_by=body.by, actor=caller.actor,
                             failed=body.fail, notes=body.note, open_repair=body.repair,
                             scope=caller.scope, backup_policy=settings.backups)
        return DonePublic(task=task, record=record.id or 0,
                          repair_ticket=record.repair_ticket_id,
                          evidence_available=bool(record.evidence.get("available", False)))


@router.post("/tasks/{task}/skip", openapi_extra=cli("pm skip"))
def skip(task: TaskId, body: SkipBody, request: Request, caller: Writer,
         db: DB) -> pm.PmTaskDetail:
    """Close a task without doing it; the next one is planned at the interval."""
    settings = _settings(request).pm
    with db.write() as s:
        pm.skip(s, task, body.reason, actor=caller.actor, settings=settings, scope=caller.scope)
        return pm.show(s, task, settings, caller.scope)
