"""``muniops pm``: the preventive maintenance plan, what is due, and recording visits."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import console, done, emit_json, fields, table
from muniops.inventory import pm
from muniops.inventory.errors import InvalidInput

app = typer.Typer(help="Preventive maintenance: the plan, what is due, what was done.",
                  no_args_is_help=True)

TASK_COLUMNS = ["id", "asset", "kind", "site", "team", "due_date", "week", "state"]


@app.command("plan")
def plan(
    rebuild: Annotated[bool, typer.Option(
        help="Spread the open tasks again (each keeps its number).")] = False,
    weeks: Annotated[int, typer.Option(help="Weeks of load to show.")] = 12,
    json: Json = False,
) -> None:
    """Bring the plan in step with the register (a task for every new asset, none for
    retired ones) and show each team's weekly load."""
    settings = state.settings.pm
    with state.database().write() as s:
        result = pm.sync_plan(s, settings, actor=state.actor, rebuild=rebuild)
        pm.refresh_states(s)
    with state.database().read() as s:
        rows = pm.weekly_load(s, weeks)
    over = [{"team": team, "week": week} for team, week in result.over_cap]
    if json:
        emit_json({"created": result.created, "removed": result.removed, "kept": result.kept,
                   "replanned": result.replanned,
                   "max_per_week": settings.max_per_week, "over_cap": over, "load": rows})
        return
    table(rows, ["week", "team", "tasks"], title=f"PM load, next {weeks} weeks")
    done(f"plan: {result.created} task(s) created, {result.removed} removed, "
         f"{result.replanned} replanned, {result.kept} kept "
         f"(cap {settings.max_per_week} per team and week)")
    for item in over:
        console.print(f"[yellow]warning:[/yellow] team {item['team']} is over the cap in "
                      f"{item['week']}: the period has no room for all its assets")


@app.command("due")
def due(
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team.")] = None,
    district: Annotated[str | None, typer.Option(help="Only this district.")] = None,
    week: Annotated[str | None, typer.Option(
        help="Only tasks due in this ISO week, e.g. 2026-W49.")] = None,
    days: Annotated[int | None, typer.Option(
        help="Look ahead: open tasks due within N days (planned ones too).")] = None,
    json: Json = False,
) -> None:
    """Tasks due now or overdue (by each site's calendar), or due within --days."""
    with state.database().write() as s:
        pm.refresh_states(s)
    with state.database().read() as s:
        rows = pm.due_tasks(s, site=site, team=team, district=district, week=week, days=days)
    if json:
        emit_json(rows)
    else:
        table(rows, TASK_COLUMNS, title="PM tasks due")


def _failures(items: list[str]) -> dict[str, str]:
    out = {}
    for raw in items:
        item, _, note = raw.partition("=")
        if not item.strip():
            raise InvalidInput("fail", f"expected ITEM=NOTE, got {raw!r}")
        out[item.strip()] = note.strip()
    return out


@app.command("done")
def done_(
    tasks: Annotated[list[int], typer.Argument(help="Task numbers.")],
    by: Annotated[str, typer.Option("--by", help="Who did the maintenance.")],
    fail: Annotated[list[str] | None, typer.Option(
        "--fail", help="A checklist item that failed, by text or number: 'ITEM=note'. "
                       "Repeat for several; the others are ok.")] = None,
    note: Annotated[str, typer.Option(help="Free notes.")] = "",
    repair: Annotated[bool, typer.Option(
        help="Open a repair ticket for the failed items.")] = False,
    json: Json = False,
) -> None:
    """Record PM visits: every checklist item ok unless named with --fail."""
    failed = _failures(fail or [])
    out = []
    with state.database().write() as s:
        for task in tasks:
            record = pm.complete(s, task, state.settings.pm, performed_by=by, actor=state.actor,
                                 failed=failed, notes=note, open_repair=repair,
                                 backup_policy=state.settings.backups)
            out.append({"task": task, "record": record.id,
                        "repair_ticket": record.repair_ticket_id,
                        "evidence_available": record.evidence.get("available", False)})
    if json:
        emit_json(out)
        return
    for item in out:
        extra = f", repair ticket {item['repair_ticket']}" if item["repair_ticket"] else ""
        done(f"PM task {item['task']} done{extra}")


@app.command("skip")
def skip(
    task: Annotated[int, typer.Argument(help="Task number.")],
    reason: Annotated[str, typer.Option(help="Why it is not done (shown in reports).")],
) -> None:
    """Close a task without doing it; the next one is planned at the interval."""
    with state.database().write() as s:
        pm.skip(s, task, reason, actor=state.actor, settings=state.settings.pm)
    done(f"PM task {task} skipped: {reason}")


@app.command("show")
def show(
    task: Annotated[int, typer.Argument(help="Task number.")],
    json: Json = False,
) -> None:
    """One task: its asset, due date, checklist, and the record when done."""
    with state.database().write() as s:
        pm.refresh_states(s)
    with state.database().read() as s:
        detail = pm.show(s, task, state.settings.pm)
    if json:
        emit_json(detail)
        return
    fields(detail.model_dump(exclude={"checklist", "record"}), title=f"PM task {task}")
    record = detail.record
    results = {i["item"]: i for i in record.items} if record else {}
    rows = [{"n": n, "item": item, "result": results.get(item, {}).get("result", ""),
             "note": results.get(item, {}).get("note", "")}
            for n, item in enumerate(detail.checklist, start=1)]
    table(rows, ["n", "item", "result", "note"], title="Checklist")
    if record:
        fields(record.model_dump(exclude={"items"}), title="Record")
