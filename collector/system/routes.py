"""Health, metrics, who-am-I and the audit log."""

from __future__ import annotations

import shutil
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlmodel import col, select

from muniops import __version__
from muniops.collector.api.auth import DB, Admin, AnyCaller, BearerCreds, authenticate
from muniops.collector.api.limits import RETRY_AFTER
from muniops.collector.api.parity import cli
from muniops.collector.core.exposition import exposition
from muniops.inventory import tokens
from muniops.inventory.db import sqlite_file
from muniops.inventory.models import AuditEntry, Role
from muniops.inventory.schemas import TokenPublic

router = APIRouter(tags=["system"])


# below this much free space a SQLite store cannot take a day of agent reports
MIN_FREE_BYTES = 64 * 1024 * 1024


@router.get("/healthz")
def healthz(db: DB) -> dict[str, str]:
    """Liveness and the store's state: it answers, and (SQLite) its disk has room to
    write. Says nothing about the register's contents."""
    try:
        with db.read() as s:
            s.connection().execute(text("SELECT 1"))
    except Exception as exc:  # any store failure means "not healthy", with its kind
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"store unavailable: {type(exc).__name__}",
                            headers=RETRY_AFTER) from None
    database = sqlite_file(db.url)
    if database is not None:  # the disk the store's file is on
        free = shutil.disk_usage(database.resolve().parent).free
        if free < MIN_FREE_BYTES:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                                f"store degraded: {free // 2**20} MiB free on its disk",
                                headers=RETRY_AFTER)
    return {"status": "ok", "version": __version__, "store": "ok"}


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, creds: BearerCreds) -> Response:
    """The Prometheus exposition; behind a token when the config asks for it."""
    if request.app.state.settings.api.metrics_require_token:
        authenticate(request, creds)
    return Response(exposition(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)


class Me(BaseModel):
    name: str
    role: str
    district: str | None


@router.get("/api/v1/me")
def me(caller: AnyCaller) -> Me:
    return Me(name=caller.name, role=caller.role.value, district=caller.scope.district)


class AuditPublic(BaseModel):
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("/api/v1/audit")
def audit_log(caller: Admin, db: DB,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 100) -> list[AuditPublic]:
    with db.read() as s:
        rows = s.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit))
        return [AuditPublic(**r.model_dump()) for r in rows]


# ---- API tokens, as ``muniops tokens`` manages them (admins only) ----

class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    role: Role
    district: str | None = None  # a liaison's


class TokenCreated(BaseModel):
    name: str
    role: Role
    district: str | None
    token: str  # shown once; the store keeps its SHA-256


@router.get("/api/v1/tokens", openapi_extra=cli("tokens list"))
def list_tokens(caller: Admin, db: DB) -> list[TokenPublic]:
    """Tokens (never the tokens themselves)."""
    with db.read() as s:
        return tokens.list_tokens(s)


@router.post("/api/v1/tokens", status_code=status.HTTP_201_CREATED,
             openapi_extra=cli("tokens create"))
def create_token(body: TokenCreate, caller: Admin, db: DB) -> TokenCreated:
    with db.write() as s:
        token, plain = tokens.create_token(s, body.name, body.role, actor=caller.actor,
                                           district=body.district)
        return TokenCreated(name=token.name, role=token.role, district=token.district,
                            token=plain)


@router.delete("/api/v1/tokens/{name}", openapi_extra=cli("tokens revoke"))
def revoke_token(name: str, caller: Admin, db: DB) -> dict[str, str]:
    with db.write() as s:
        tokens.revoke_token(s, name, actor=caller.actor)
    return {"name": name, "state": "revoked"}
