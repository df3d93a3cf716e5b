"""``/api/v1/licences``: the licence register and its check. Listing shows no key; reading
a key is for admins and audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel

from muniops.collector.api.auth import DB, Admin, AnyCaller, Writer
from muniops.collector.api.parity import cli
from muniops.inventory import licences
from muniops.inventory.licences import LicenceCreate, LicencePublic
from muniops.inventory.software_rules import LicenceSettings, Rules, load_rules
from muniops.inventory.types import utcnow

router = APIRouter(prefix="/api/v1/licences", tags=["licences"])


class AssignBody(BaseModel):
    asset: str | None = None
    person: str | None = None


class KeyOut(BaseModel):
    licence: int
    key: str


def _config(request: Request) -> tuple[LicenceSettings, Rules]:
    settings: LicenceSettings = request.app.state.settings.licences
    return settings, load_rules(settings.rules)


@router.get("", openapi_extra=cli("licences list"))
def list_licences(caller: AnyCaller, db: DB) -> list[LicencePublic]:
    with db.read() as s:
        return licences.list_licences(s)


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=cli("licences add"))
def add_licence(body: LicenceCreate, request: Request, caller: Writer, db: DB) -> dict[str, Any]:
    _settings, rules = _config(request)
    with db.write() as s:
        return {"id": licences.add_licence(s, body, rules, actor=caller.actor).id}


@router.post("/{licence_id}/assign", openapi_extra=cli("licences assign"))
def assign(licence_id: int, body: AssignBody, caller: Writer, db: DB) -> dict[str, Any]:
    with db.write() as s:
        row = licences.assign_licence(s, licence_id, actor=caller.actor, asset=body.asset,
                                      person=body.person)
        return {"id": row.id}


@router.get("/{licence_id}/key", openapi_extra=cli("licences key"))
def key(licence_id: int, caller: Admin, db: DB) -> KeyOut:
    with db.write() as s:
        return KeyOut(licence=licence_id,
                      key=licences.reveal_key(s, licence_id, actor=caller.actor))


@router.get("/check", openapi_extra=cli("licences check"))
def check(request: Request, caller: AnyCaller, db: DB) -> dict[str, Any]:
    settings, rules = _config(request)
    with db.read() as s:
        result = licences.check(s, rules, utcnow().date(), settings.expiring_days,
                                scope=caller.scope)
    return {
        "hosts": result.hosts, "unknown_packages": result.unknown_packages,
        "products": [vars(p) for p in result.products.values()],
        "unlicensed": [vars(i) for i in result.unlicensed],
        "over_deployed": [p.product for p in result.over_deployed()],
        "expiring": [{"licence": lic.id, "product": lic.product, "days_left": d}
                     for lic, d in result.expiring],
        "denied": [vars(i) for i in result.denied]}



