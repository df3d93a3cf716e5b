"""``muniops assets``: the asset register."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import console, done, emit_json, fields, table
from muniops.collector.reports.options import DocCalendar, DocLang
from muniops.inventory import assets, audit
from muniops.inventory.importer import import_assets
from muniops.inventory.models import AssetKind, AssetStatus
from muniops.inventory.schemas import AssetCreate, AssetFilter, AssetUpdate
from muniops.inventory.types import utcnow

app = typer.Typer(help="The asset register: every piece of equipment.", no_args_is_help=True)

Ref = Annotated[str, typer.Argument(help="Asset tag, serial number, or #id.")]
# "asset" is how people name it (tag, else serial, else #id: assets that agents or
# discovery found have no tag yet); the columns that fit the terminal are shown, in order
LIST_COLUMNS = ["asset", "kind", "status", "hostname", "site", "serial", "model", "vendor",
                "location", "assigned_to"]


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@app.command("add")
def add(
    kind: Annotated[AssetKind, typer.Argument(help="What it is.")],
    tag: Annotated[str | None, typer.Option("--tag", help="Asset tag.")] = None,
    serial: Annotated[str | None, typer.Option(help="Serial number.")] = None,
    vendor: str = "",
    model: str = "",
    hostname: Annotated[str | None, typer.Option(help="Network name.")] = None,
    mac: Annotated[list[str] | None, typer.Option(help="MAC address (repeatable).")] = None,
    site: Annotated[str | None, typer.Option(help="Site name.")] = None,
    location: Annotated[str, typer.Option(help="Room, rack or desk within the site.")] = "",
    purchase_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    cost: Annotated[str | None, typer.Option(help="Purchase cost.")] = None,
    warranty_end: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    life: Annotated[int | None, typer.Option(help="Economic life in years.")] = None,
    status: Annotated[AssetStatus, typer.Option(help="Initial state.")] = AssetStatus.IN_STOCK,
    notes: str = "",
    json: Json = False,
) -> None:
    """Register a piece of equipment (it needs a tag or a serial)."""
    data = AssetCreate(**_given(
        kind=kind, asset_tag=tag, serial=serial, vendor=vendor, model=model, hostname=hostname,
        macs=mac or [], site=site, location=location, purchase_date=purchase_date,
        purchase_cost=cost, warranty_end=warranty_end, economic_life_years=life, status=status,
        notes=notes))
    with state.database().write() as s:
        asset = assets.add_asset(s, data, actor=state.actor)
        public = assets.to_public(s, [asset])[0]
    if json:
        emit_json(public)
    else:
        done(f"asset {assets.label(asset)} added")


@app.command("list")
def list_(
    kind: Annotated[AssetKind | None, typer.Option(help="Only this kind.")] = None,
    status: Annotated[AssetStatus | None, typer.Option(help="Only this state.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    district: Annotated[str | None, typer.Option(help="Only this district.")] = None,
    vendor: Annotated[str | None, typer.Option(help="Only this vendor.")] = None,
    assigned_to: Annotated[str | None, typer.Option(help="Held by this person.")] = None,
    search: Annotated[str | None, typer.Option(
        "--search", "-s", help="Tag, serial, hostname or model contains.")] = None,
    warranty_before: Annotated[str | None, typer.Option(
        help="Warranty ends before YYYY-MM-DD.")] = None,
    active: Annotated[bool, typer.Option("--active", help="Leave out retired assets.")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    json: Json = False,
) -> None:
    """List assets, filtered."""
    flt = AssetFilter(**_given(kind=kind, status=status, site=site, district=district,
                               vendor=vendor, assigned_to=assigned_to, search=search,
                               warranty_before=warranty_before, limit=limit),
                      include_retired=not active)
    with state.database().read() as s:
        rows = assets.list_assets(s, flt)
    if json:
        emit_json(rows)
    else:
        table([r.model_dump() | {"asset": r.asset_tag or r.serial or f"#{r.id}"}
               for r in rows], LIST_COLUMNS, title=f"Assets ({len(rows)})")


@app.command("show")
def show(ref: Ref, json: Json = False) -> None:
    """Show one asset with its assignments and its full history."""
    with state.database().read() as s:
        asset = assets.get_asset(s, ref)
        public = assets.to_public(s, [asset])[0]
        held = assets.assignments_of(s, asset)
        history = assets.asset_history(s, asset)
        if not json:
            described = [audit.describe(s, h.changes) for h in history]
    if json:
        emit_json({**public.model_dump(), "assignments": held, "history": history})
        return
    fields(public, title=f"Asset {assets.label(asset)}")
    if held:
        table(held, ["person", "assigned_at", "returned_at", "note"], title="Assignments")
    table([{"at": h.at, "actor": h.actor, "action": h.action, "changes": c}
           for h, c in zip(history, described, strict=True)],
          ["at", "actor", "action", "changes"], title="History")


@app.command("update")
def update(
    ref: Ref,
    tag: Annotated[str | None, typer.Option("--tag", help="New asset tag.")] = None,
    serial: str | None = None,
    kind: AssetKind | None = None,
    vendor: str | None = None,
    model: str | None = None,
    hostname: str | None = None,
    mac: Annotated[list[str] | None, typer.Option(help="Replace the MACs (repeatable).")] = None,
    purchase_date: str | None = None,
    cost: str | None = None,
    warranty_end: str | None = None,
    life: int | None = None,
    notes: str | None = None,
    json: Json = False,
) -> None:
    """Change an asset's details (only the options given)."""
    changes = AssetUpdate(**_given(
        asset_tag=tag, serial=serial, kind=kind, vendor=vendor, model=model, hostname=hostname,
        macs=mac, purchase_date=purchase_date, purchase_cost=cost, warranty_end=warranty_end,
        economic_life_years=life, notes=notes))
    with state.database().write() as s:
        asset = assets.get_asset(s, ref)
        changed = assets.update_asset(s, asset, changes, actor=state.actor)
        public = assets.to_public(s, [asset])[0]
    if json:
        emit_json(public)
    else:
        done(f"asset {assets.label(asset)} updated" if changed else "nothing changed")


@app.command("assign")
def assign(
    ref: Ref,
    person: Annotated[str, typer.Argument(help="Employee id or name.")],
    note: str = "",
    transfer: Annotated[bool, typer.Option(help="Take it from its current holder.")] = False,
    condition: Annotated[str, typer.Option(help="new, good, fair or poor (on the receipt).")]
    = "",
    receipt: Annotated[Path | None, typer.Option(
        help="Also print the signed receipt to this file (.pdf, .html).")] = None,
    lang: DocLang = None,
    calendar: DocCalendar = None,
) -> None:
    """Hand an asset to a person (and print the receipt they sign)."""
    with state.database().write() as s:
        asset = assets.get_asset(s, ref)
        assets.assign(s, asset, person, actor=state.actor, note=note, transfer=transfer,
                      condition=condition)
    done(f"asset {ref} assigned to {person}")
    if receipt is not None:
        receipt_(refs=[ref], output=receipt, lang=lang, calendar=calendar)


@app.command("receipt")
def receipt_(
    refs: Annotated[list[str], typer.Argument(help="Assets held by one person.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.pdf, .html).")],
    lang: DocLang = None,
    calendar: DocCalendar = None,
) -> None:
    """Print the assignment receipt (zimmet tutanağı) for assets their holder signs for."""
    from muniops.collector.reports import build_documents
    from muniops.collector.reports.cli import document_request, write_document
    from muniops.inventory import documents

    req = document_request(calendar)
    with state.database().read() as s:
        report = build_documents.assignment_receipt(s, refs, req)
        people = [documents.receipt(s, refs).person.id or 0]
    write_document(report, output, lang=lang, calendar=req.calendar, people=people)


@app.command("write-off")
def write_off(
    number: Annotated[str, typer.Argument(help="The committee's batch number.")],
    refs: Annotated[list[str], typer.Argument(help="Assets written off.")],
    decided_on: Annotated[str, typer.Option(help="Date of the decision, YYYY-MM-DD.")],
    committee: Annotated[list[str], typer.Option(help="A member (repeatable).")],
    decision: Annotated[str, typer.Option(help="The decision's text.")] = "",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Also print the signed list to this file.")] = None,
    lang: DocLang = None,
    calendar: DocCalendar = None,
) -> None:
    """Record a write-off committee's batch: every asset in it is retired (all or none)."""
    from muniops.inventory import writeoff

    settings = state.settings.reports
    data = writeoff.BatchCreate.model_validate({
        "number": number, "decided_on": decided_on, "committee": committee,
        "decision": decision, "assets": refs})
    with state.database().write() as s:
        writeoff.create_batch(s, data, settings.write_off, utcnow().date(), actor=state.actor,
                              default_life=settings.economic_life_years)
    done(f"write-off batch {number}: {len(refs)} asset(s) retired")
    if output is not None:
        write_off_list(number=number, output=output, lang=lang, calendar=calendar)


@app.command("write-off-list")
def write_off_list(
    number: Annotated[str, typer.Argument(help="The batch number.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File (.pdf, .html).")],
    lang: DocLang = None,
    calendar: DocCalendar = None,
) -> None:
    """Print a write-off batch's list, with a signature line for each committee member."""
    from muniops.collector.reports import build_writeoff
    from muniops.collector.reports.cli import document_request, write_document

    req = document_request(calendar)
    with state.database().read() as s:
        report = build_writeoff.batch_list(s, number, req)
    write_document(report, output, lang=lang, calendar=req.calendar, people=[])


@app.command("return")
def return_(ref: Ref, note: str = "") -> None:
    """Take an asset back from its holder into stock."""
    with state.database().write() as s:
        asset = assets.get_asset(s, ref)
        assets.return_asset(s, asset, actor=state.actor, note=note)
    done(f"asset {ref} returned to stock")


@app.command("retire")
def retire(ref: Ref, reason: str = "") -> None:
    """Retire an asset at the end of its life."""
    with state.database().write() as s:
        asset = assets.get_asset(s, ref)
        assets.retire(s, asset, actor=state.actor, reason=reason)
    done(f"asset {ref} retired")


@app.command("move")
def move(
    ref: Ref,
    site: Annotated[str | None, typer.Option(help="New site.")] = None,
    location: Annotated[str | None, typer.Option(help="New room, rack or desk.")] = None,
) -> None:
    """Move an asset to another site and/or location."""
    with state.database().write() as s:
        asset = assets.get_asset(s, ref)
        changed = assets.move(s, asset, site=site, location=location, actor=state.actor)
    done(f"asset {ref} moved" if changed else "it is already there")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX.")],
    create_missing: Annotated[bool, typer.Option(
        help="Register unknown sites and people instead of rejecting their rows.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Validate and count; write nothing.")] = False,
    json: Json = False,
) -> None:
    """Import an asset list. All rows are checked first: all are imported, or none."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True, disable=json) as progress:
        progress.add_task(f"importing {file.name}", total=None)
        with state.database().write() as s:
            result = import_assets(s, file, actor=state.actor, create_missing=create_missing,
                                   dry_run=dry_run)
            if dry_run:
                s.rollback()
    if json:
        emit_json(result.__dict__)
        return
    verb = "would import" if dry_run else "imported"
    done(f"{verb} {result.rows} rows: {result.created} new, {result.updated} updated, "
         f"{result.unchanged} unchanged, {result.assigned} assignments")
    for name in result.created_sites:
        console.print(f"  new site: {name}")
    for name in result.created_people:
        console.print(f"  new person: {name}")

