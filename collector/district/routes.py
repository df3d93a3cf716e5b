"""``/api/v1/district`` on the central: district collectors enrol (a site's enrolment
secret for their own token), forward their outbox in batches, and pull their copy of the
devices, profiles, playbooks and policies. People list the district collectors.

A batch is applied in one transaction, with the district's row locked (``FOR UPDATE`` on
PostgreSQL; SQLite's single writer does the same), so two deliveries of one batch — a
killed district's request still in flight and its successor's — are applied once."""

from __future__ import annotations

import logging
import zlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import select

from muniops.collector.api.auth import DB, Admin
from muniops.collector.api.limits import RETRY_AFTER
from muniops.collector.api.parity import cli
from muniops.collector.district.devices import assigned_devices
from muniops.collector.snmp.config import SnmpSettings
from muniops.inventory import district, district_scope
from muniops.inventory.errors import InvalidInput
from muniops.inventory.models import DistrictCollector
from muniops.playbooks.loader import BUILTIN

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/district", tags=["district"])


class EnrollBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret: SecretStr
    name: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ItemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=1)
    key: str = Field(min_length=1, max_length=160)
    kind: str = Field(min_length=1, max_length=40)
    body: dict[str, Any]


class BatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ItemBody] = Field(max_length=5000)


def _district_of(request: Request, db: DB) -> DistrictCollector:
    """The district collector asking (a dependency: checked before the body is read)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    with db.read() as s:
        found = district.authenticate(s, token.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked district token",
                            headers={"WWW-Authenticate": "Bearer"})
    return found


District = Annotated[DistrictCollector, Depends(_district_of)]


@router.post("/enroll", status_code=status.HTTP_201_CREATED)
def enroll(body: EnrollBody, db: DB) -> dict[str, str]:
    """Trade a site's enrolment secret for this district collector's token (shown once)."""
    try:
        with db.write() as s:
            found, token = district.enroll(s, body.secret.get_secret_value(), body.name)
            name = district_scope.district_of(s, found)
    except InvalidInput:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "unknown or revoked enrolment secret") from None
    log.info("district collector %s enrolled for district %r", body.name, name)
    return {"token": token, "district": name}


async def _batch_of(request: Request, _caller: District) -> BatchBody:
    """The batch, read after the caller is known, gzip-compressed (``Content-Encoding:
    gzip``, as district collectors send it) or plain JSON; the body-size cap holds for the
    decompressed batch too, so a small compressed bomb is refused before it is unpacked."""
    cap = request.app.state.settings.api.max_body_bytes
    raw = await request.body()
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        raw = _gunzip(raw, cap)
    elif encoding != "identity":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            f"Content-Encoding {encoding!r} not accepted; send gzip or "
                            "plain JSON")
    try:
        return BatchBody.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


def _gunzip(data: bytes, cap: int) -> bytes:
    unpack = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        out = unpack.decompress(data, cap + 1)
    except zlib.error as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            f"body is not valid gzip: {exc}") from None
    if len(out) > cap:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"batch larger than {cap} bytes once decompressed "
                            "(api.max_body_bytes); send smaller batches")
    if not unpack.eof or unpack.unused_data:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            "body is not one whole gzip stream (truncated or trailing data)")
    return out


Batch = Annotated[BatchBody, Depends(_batch_of)]


@router.post("/items")
def post_items(body: Batch, caller: District, db: DB) -> dict[str, int]:
    """Apply a batch of outbox items in order (``{"items": [{"seq", "key", "kind",
    "body"}]}``, gzip or plain); answers how far the outbox is settled."""
    items = [district.Item(i.seq, i.key, i.kind, i.body) for i in body.items]
    try:
        with db.write() as s:
            locked = s.exec(select(DistrictCollector)
                            .where(DistrictCollector.id == caller.id)
                            .with_for_update()).one()
            result = district.apply_batch(s, locked, items)
    except (OperationalError, IntegrityError) as exc:
        log.error("district %s batch not stored: %s", caller.name, type(exc).__name__)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "store unavailable, send again later", headers=RETRY_AFTER
                            ) from None
    if items:
        log.info("district %s: %d applied, %d duplicate(s), %d refused, through %d",
                 caller.name, result.applied, result.duplicates, result.refused,
                 result.through)
    return {"applied": result.applied, "duplicates": result.duplicates,
            "refused": result.refused, "through": result.through}


@router.get("/copy")
def copy(request: Request, caller: District, db: DB) -> dict[str, Any]:
    """What a district collector keeps a copy of: its devices, the SNMP profiles, the
    playbooks and the policies its agents and jobs follow."""
    settings = request.app.state.settings
    with db.read() as s:
        name = district_scope.district_of(s, caller)
        devices = assigned_devices(s, name)
    return {"district": name, "devices": devices,
            "profiles": _yaml_files(settings.snmp),
            "playbooks": {p.stem: p.read_text(encoding="utf-8")
                          for p in sorted(BUILTIN.glob("*.yaml"))},
            "policies": {key: getattr(settings, key).model_dump(mode="json")
                         for key in ("agents", "backups", "pm")}}


def _yaml_files(snmp: SnmpSettings) -> dict[str, str]:
    files: dict[str, str] = {}
    for folder in snmp.all_profile_dirs():
        for path in sorted(folder.glob("*.yaml")):
            files[path.stem] = path.read_text(encoding="utf-8")
    return files


@router.get("/collectors", openapi_extra=cli("district list"))
def list_collectors(_caller: Admin, db: DB) -> list[dict[str, Any]]:
    with db.read() as s:
        return district.list_collectors(s)
