"""``/api/v1``: sites, people, assets and repair tickets."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from muniops.collector.api.auth import DB, Admin, AnyCaller, Writer
from muniops.collector.api.parity import cli
from muniops.inventory import assets, repairs, sites
from muniops.inventory.db import Database
from muniops.inventory.importer import import_assets
from muniops.inventory.schemas import (
    AssetCreate,
    AssetFilter,
    AssetPublic,
    AssetUpdate,
    AssignmentPublic,
    HistoryEntry,
    PersonCreate,
    PersonPublic,
    PersonUpdate,
    RepairClose,
    RepairOpen,
    RepairPublic,
    SiteCreate,
    SitePublic,
    SiteUpdate,
)
from muniops.inventory.scope import Scope

router = APIRouter(prefix="/api/v1", tags=["inventory"])


class AssetDetail(AssetPublic):
    assignments: list[AssignmentPublic]
    history: list[HistoryEntry]


class AssignBody(BaseModel):
    person: str
    note: str = ""
    transfer: bool = False
    condition: str = ""  # new, good, fair, poor: what the receipt states


class NoteBody(BaseModel):
    note: str = ""


class MoveBody(BaseModel):
    site: str | None = None
    location: str | None = None


@router.get("/sites", openapi_extra=cli("sites list"))
def list_sites(caller: AnyCaller, db: DB) -> list[SitePublic]:
    with db.read() as s:
        return sites.list_sites(s, caller.scope)


@router.post("/sites", status_code=status.HTTP_201_CREATED, openapi_extra=cli("sites add"))
def add_site(body: SiteCreate, caller: Admin, db: DB) -> SitePublic:
    with db.write() as s:
        site = sites.add_site(s, body, actor=caller.actor)
        return SitePublic(**site.model_dump())


@router.patch("/sites/{name}", openapi_extra=cli("sites update"))
def update_site(name: str, body: SiteUpdate, caller: Admin, db: DB) -> SitePublic:
    with db.write() as s:
        site = sites.update_site(s, name, body, actor=caller.actor)
        return SitePublic(**site.model_dump())


@router.delete("/sites/{name}", openapi_extra=cli("sites remove"))
def remove_site(name: str, caller: Admin, db: DB) -> dict[str, str]:
    """Remove a site that holds nothing (people, assets, agents, devices)."""
    with db.write() as s:
        sites.remove_site(s, name, actor=caller.actor)
    return {"name": name, "state": "removed"}


@router.get("/people", openapi_extra=cli("people list"))
def list_people(caller: AnyCaller, db: DB) -> list[PersonPublic]:
    with db.read() as s:
        return sites.list_people(s, caller.scope)


@router.post("/people", status_code=status.HTTP_201_CREATED,
             openapi_extra=cli("people add"))
def add_person(body: PersonCreate, caller: Writer, db: DB) -> dict[str, int | None]:
    with db.write() as s:
        return {"id": sites.add_person(s, body, actor=caller.actor, scope=caller.scope).id}


@router.patch("/people/{ref}", openapi_extra=cli("people update"))
def update_person(ref: str, body: PersonUpdate, caller: Writer, db: DB) -> PersonPublic:
    with db.write() as s:
        person = sites.update_person(s, ref, body, actor=caller.actor, scope=caller.scope)
        return sites.public_person(s, person, caller.scope)


@router.delete("/people/{ref}", openapi_extra=cli("people remove"))
def remove_person(ref: str, caller: Writer, db: DB) -> dict[str, str]:
    """Remove a person registered by mistake (someone with history leaves instead)."""
    with db.write() as s:
        person = sites.remove_person(s, ref, actor=caller.actor, scope=caller.scope)
        return {"name": person.name, "state": "removed"}


@router.get("/assets", openapi_extra=cli("assets list"))
def list_assets(caller: AnyCaller, db: DB,
                flt: Annotated[AssetFilter, Depends()]) -> list[AssetPublic]:
    with db.read() as s:
        return assets.list_assets(s, flt, caller.scope)


@router.post("/assets", status_code=status.HTTP_201_CREATED,
             openapi_extra=cli("assets add"))
def add_asset(body: AssetCreate, caller: Writer, db: DB) -> AssetPublic:
    with db.write() as s:
        asset = assets.add_asset(s, body, actor=caller.actor, scope=caller.scope)
        return assets.to_public(s, [asset])[0]


class ImportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def _import(db: Database, data: bytes, fmt: ImportFormat, actor: str, scope: Scope,
            create_missing: bool, dry_run: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="muniops-import-") as tmp:
        path = FilePath(tmp) / f"upload.{fmt.value}"
        path.write_bytes(data)
        with db.write() as s:
            result = import_assets(s, path, actor=actor, create_missing=create_missing,
                                   dry_run=dry_run, scope=scope)
            if dry_run:
                s.rollback()
    return asdict(result)


@router.post("/assets/import", openapi_extra=cli("assets import") | {
    "requestBody": {"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}}}}})
async def import_(request: Request, caller: Writer, db: DB,
                  format: ImportFormat = ImportFormat.CSV, create_missing: bool = False,
                  dry_run: bool = False) -> dict[str, Any]:
    """Import an asset list sent as the body (CSV or XLSX): every row is checked first,
    and all are imported or none (the answer lists every bad row)."""
    data = await request.body()
    return await run_in_threadpool(_import, db, data, format, caller.actor, caller.scope,
                                   create_missing, dry_run)


@router.get("/assets/{ref}", openapi_extra=cli("assets show"))
def show_asset(ref: str, caller: AnyCaller, db: DB) -> AssetDetail:
    with db.read() as s:
        asset = assets.get_asset(s, ref, caller.scope)
        return AssetDetail(**assets.to_public(s, [asset])[0].model_dump(),
                           assignments=assets.assignments_of(s, asset),
                           history=assets.asset_history(s, asset))


@router.patch("/assets/{ref}", openapi_extra=cli("assets update"))
def update_asset(ref: str, body: AssetUpdate, caller: Writer, db: DB) -> AssetPublic:
    with db.write() as s:
        asset = assets.get_asset(s, ref, caller.scope)
        assets.update_asset(s, asset, body, actor=caller.actor, scope=caller.scope)
        return assets.to_public(s, [asset])[0]


@router.post("/assets/{ref}/assign", openapi_extra=cli("assets assign"))
def assign(ref: str, body: AssignBody, caller: Writer, db: DB) -> AssetPublic:
    with db.write() as s:
        asset = assets.get_asset(s, ref, caller.scope)
        assets.assign(s, asset, body.person, actor=caller.actor, note=body.note,
                      transfer=body.transfer, condition=body.condition, scope=caller.scope)
        return assets.to_public(s, [asset])[0]


@router.post("/assets/{ref}/return", openapi_extra=cli("assets return"))
def return_asset(ref: str, body: NoteBody, caller: Writer, db: DB) -> AssetPublic:
    with db.write() as s:
        asset = assets.get_asset(s, ref, caller.scope)
        assets.return_asset(s, asset, actor=caller.actor, note=body.note, scope=caller.scope)
        return assets.to_public(s, [asset])[0]


@router.post("/assets/{ref}/retire", openapi_extra=cli("assets retire"))
def retire_asset(ref: str, body: NoteBody, caller: Writer, db: DB) -> AssetPublic:
    with db.write() as s:
        asset = assets.get_asset(s, ref, caller.scope)
        assets.retire(s, asset, actor=caller.actor, reason=body.note, scope=caller.scope)
        return assets.to_public(s, [asset])[0]


@router.post("/assets/{ref}/move", openapi_extra=cli("assets move"))
def move_asset(ref: str, body: MoveBody, caller: Writer, db: DB) -> AssetPublic:
    with db.write() as s:
        asset = assets.get_asset(s, ref, caller.scope)
        assets.move(s, asset, site=body.site, location=body.location, actor=caller.actor,
                    scope=caller.scope)
        return assets.to_public(s, [asset])[0]


@router.get("/repairs", openapi_extra=cli("repairs list"))
def list_repairs(caller: AnyCaller, db: DB, all: bool = Query(False)) -> list[RepairPublic]:
    with db.read() as s:
        return repairs.list_tickets(s, open_only=not all, scope=caller.scope)


@router.post("/assets/{ref}/repairs", status_code=status.HTTP_201_CREATED,
             openapi_extra=cli("repairs open"))
def open_repair(ref: str, body: RepairOpen, caller: Writer, db: DB) -> RepairPublic:
    with db.write() as s:
        ticket = repairs.open_ticket(s, ref, body, actor=caller.actor, scope=caller.scope)
        return next(t for t in repairs.list_tickets(s, scope=caller.scope) if t.id == ticket.id)


@router.post("/repairs/{ticket_id}/close", openapi_extra=cli("repairs close"))
def close_repair(ticket_id: Annotated[int, Path(ge=1, lt=2**63)], body: RepairClose,
                 caller: Writer, db: DB) -> RepairPublic:
    with db.write() as s:
        repairs.close_ticket(s, ticket_id, body, actor=caller.actor, scope=caller.scope)
        return next(t for t in repairs.list_tickets(s, open_only=False, scope=caller.scope)
                    if t.id == ticket_id)
