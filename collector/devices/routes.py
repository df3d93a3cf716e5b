"""``/api/v1/devices``: the register of managed devices over HTTP, through the same
operations as ``muniops devices``; a liaison sees and changes only its district's."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Path as PathParam, Query, Request, status

from muniops.collector.api.auth import DB, AnyCaller, Writer
from muniops.collector.api.parity import cli
from muniops.collector.core.settings import Settings
from muniops.collector.devices.common import known, row
from muniops.inventory import devices, snmp
from muniops.inventory.errors import InvalidInput
from muniops.playbooks.text import redact

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])
Name = Annotated[str, PathParam(max_length=120)]
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("", openapi_extra=cli("devices list"))
def list_devices(caller: AnyCaller, db: DB, site: str | None = None,
                 role: Annotated[str | None, Query(description="snmp, ssh or discovery")] = None,
                 ) -> list[dict[str, Any]]:
    with db.read() as s:
        sites = devices.site_names(s)
        return [row(d, sites) for d in devices.list_devices(s, caller.scope, site=site,
                                                            role=role)]


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=cli("devices add"))
def add_device(body: devices.DeviceCreate, caller: Writer, db: DB,
               request: Request) -> dict[str, Any]:
    with db.write() as s:
        device = devices.add_device(s, body, actor=caller.actor, scope=caller.scope,
                                    known=known(_settings(request), profile=body.snmp_profile))
        return row(device, devices.site_names(s))


@router.get("/{name}", openapi_extra=cli("devices show"))
def show_device(name: Name, caller: AnyCaller, db: DB) -> dict[str, Any]:
    """Everything known about the device (the backup's diff with secrets redacted)."""
    with db.read() as s:
        device = devices.get_device(s, name, caller.scope)
        info = devices.detail(s, device, redact=redact, scope=caller.scope)
        info["device"] = row(device, devices.site_names(s))
        return info


@router.patch("/{name}", openapi_extra=cli("devices update"))
def update_device(name: Name, body: devices.DeviceFields, caller: Writer, db: DB,
                  request: Request) -> dict[str, Any]:
    with db.write() as s:
        device = devices.update_device(s, name, body, actor=caller.actor, scope=caller.scope,
                                       known=known(_settings(request), profile=body.snmp_profile))
        return row(device, devices.site_names(s))


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT,
                openapi_extra=cli("devices remove"))
def remove_device(name: Name, caller: Writer, db: DB) -> None:
    with db.write() as s:
        devices.remove_device(s, name, actor=caller.actor, scope=caller.scope)


@router.post("/import", openapi_extra=cli("devices import"))
async def import_devices(request: Request, caller: Writer, db: DB) -> dict[str, Any]:
    """The body is the file itself: ``text/csv`` or an XLSX workbook
    (``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``)."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise InvalidInput("file", f"larger than {MAX_IMPORT_BYTES} bytes")
    xlsx = "spreadsheetml" in request.headers.get("content-type", "")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("devices.xlsx" if xlsx else "devices.csv")
        path.write_bytes(body)
        with db.write() as s:
            result = devices.import_devices(s, path, actor=caller.actor, scope=caller.scope,
                                            known=known(_settings(request)))
    return {"rows": result.rows, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged}


@router.post("/promote/{mac}", status_code=status.HTTP_201_CREATED,
             openapi_extra=cli("devices promote"))
def promote(mac: Annotated[str, PathParam(max_length=17)], name: Annotated[str, Query()],
            body: devices.DeviceFields, caller: Writer, db: DB,
            request: Request) -> dict[str, Any]:
    """Register an unknown device discovery found (address and site from where it was
    seen unless the body gives them)."""
    with db.write() as s:
        device = devices.promote(s, mac, name, body, actor=caller.actor, scope=caller.scope,
                                 known=known(_settings(request), profile=body.snmp_profile))
        return row(device, devices.site_names(s))


@router.get("/{name}/links")
def device_links(name: Name, caller: AnyCaller, db: DB) -> list[dict[str, Any]]:
    """The wireless links with this device at one end."""
    with db.read() as s:
        device = devices.get_device(s, name, caller.scope)
        return [link.model_dump(mode="json") for link in snmp.list_links(s)
                if device.id in (link.device_a_id, link.device_b_id)]
