"""``/api/v1/discovery``: unknown devices (and ignoring one), assets not seen, where a
device is plugged in, the LLDP/CDP topology as JSON, and sweeps and table reads started
as background jobs — the operations the ``discover``, ``unknown``, ``locate`` and
``topology`` commands call. A liaison sees and acts only on its district's sites."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel

from muniops.collector.api.auth import DB, AnyCaller, Caller, Writer
from muniops.collector.api.parity import cli
from muniops.collector.jobs.registry import JobPublic
from muniops.collector.jobs.routes import submit
from muniops.inventory import discovery
from muniops.inventory.db import Database
from muniops.inventory.errors import InvalidInput
from muniops.inventory.sites import get_site

router = APIRouter(prefix="/api/v1/discovery", tags=["discovery"])


class IgnoreBody(BaseModel):
    note: str = ""


class SweepBody(BaseModel):
    site: str | None = None
    subnet: str | None = None


class TablesBody(BaseModel):
    site: str | None = None


def _own_site(db: Database, caller: Caller, site: str | None) -> None:
    """A liaison starts a sweep or a table read only at a site of its district, named."""
    if not caller.scope.is_limited:
        return
    if site is None:
        raise InvalidInput("site", "name a site of your district")
    with db.read() as s:
        get_site(s, site, caller.scope)


@router.get("/unknown", openapi_extra=cli("unknown"))
def unknown(caller: AnyCaller, db: DB, site: str | None = None,
            all: Annotated[bool, Query(description="Also ignored ones.")] = False
            ) -> list[discovery.UnknownPublic]:
    """Devices seen on the network that the register does not know."""
    with db.read() as s:
        return discovery.list_unknown(s, site, all, scope=caller.scope)


@router.post("/unknown/{mac}/ignore", openapi_extra=cli("discover ignore"))
def ignore(mac: str, body: IgnoreBody, caller: Writer, db: DB) -> dict[str, str]:
    """Stop flagging an unknown device (the register will not hold it)."""
    with db.write() as s:
        row = discovery.ignore_unknown(s, mac, actor=caller.actor, note=body.note,
                                       scope=caller.scope)
        return {"mac": row.mac, "state": row.state.value, "note": row.note}


@router.get("/missing", openapi_extra=cli("discover missing"))
def missing(request: Request, caller: AnyCaller, db: DB,
            days: Annotated[int | None, Query(ge=0, le=36600)] = None
            ) -> list[discovery.MissingPublic]:
    """Deployed assets discovery has not seen for ``days`` (default: the configuration's)."""
    after = days if days is not None else request.app.state.settings.discovery.missing_after_days
    with db.read() as s:
        return discovery.list_missing(s, after, scope=caller.scope)


@router.get("/locate/{ref}", openapi_extra=cli("locate"))
def locate(ref: str, caller: AnyCaller, db: DB) -> list[discovery.Location]:
    """Where a MAC, IP, host name or asset tag is plugged in."""
    with db.read() as s:
        return discovery.locate(s, ref, caller.scope)


@router.get("/topology", openapi_extra=cli("topology"))
def topology(caller: AnyCaller, db: DB,
             site: str | None = None) -> list[discovery.NeighbourPublic]:
    """LLDP/CDP neighbours as JSON (``muniops topology --format dot`` draws them)."""
    with db.read() as s:
        return discovery.topology(s, site, caller.scope)


@router.post("/sweeps", status_code=status.HTTP_202_ACCEPTED, openapi_extra=cli("discover run"))
def sweep(body: SweepBody, request: Request, caller: Writer, db: DB) -> JobPublic:
    """Sweep the configured subnets (of ``site``, or within ``subnet``) and reconcile."""
    from muniops.collector.discovery import run as runner

    _own_site(db, caller, body.site)
    cfg = request.app.state.settings.discovery
    targets = runner.plan(cfg, body.site, body.subnet)  # refuses anything not configured

    def work() -> list[dict[str, Any]]:
        return [r.model_dump(mode="json")
                for r in runner.run(db, cfg, targets, actor=caller.actor)]

    return submit(request, caller, "discovery.sweep",
                  ", ".join(f"{t.site} {t.subnet.cidr}" for t in targets), work)


@router.post("/tables", status_code=status.HTTP_202_ACCEPTED, openapi_extra=cli("discover poll"))
def tables(body: TablesBody, request: Request, caller: Writer, db: DB) -> JobPublic:
    """Read ARP, forwarding and LLDP/CDP tables from the configured routers and switches."""
    from muniops.collector.discovery import passive

    _own_site(db, caller, body.site)
    settings = request.app.state.settings

    def work() -> list[dict[str, Any]]:
        reports = passive.poll_all(db, settings, settings.discovery, body.site,
                                   actor=caller.actor)
        return [r.model_dump(mode="json") for r in reports]

    return submit(request, caller, "discovery.tables", body.site or "every site", work)
