"""``/api/v1/agents``: enrollment, report ingest, and the fleet views for people.

Ingest reads the body with a size limit (as sent and once expanded), checks the schema
version, validates, and applies the report in one transaction keyed by its UUID
(``reading.py``; a full report in an ingest worker process when there are some:
``pool.py``). A malformed report gets a 400 naming the field; a store failure a 503, so
the agent keeps the report and sends it again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import Future
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from muniops.collector.agents import reading
from muniops.collector.agents.pool import IngestPool, Job, Outcome, StoreUnavailable, outcome_of
from muniops.collector.agents.reading import Rejected
from muniops.collector.agents.runtime import AgentsRuntime
from muniops.collector.agents.tokens import KnownAgent
from muniops.collector.agents.writer import Pending, apply_batch
from muniops.collector.api.auth import DB, Admin, AnyCaller
from muniops.collector.api.direct import direct
from muniops.collector.api.limits import RETRY_AFTER
from muniops.collector.api.parity import cli
from muniops.collector.core.feature import runtime_of
from muniops.inventory import agents, fleet
from muniops.inventory.agent_policy import AgentSettings
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database
from muniops.inventory.errors import Conflict, InvalidInput, TokenRefused
from muniops.inventory.models import Agent
from muniops.inventory.tokens import hash_token

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/agents", tags=["agents"])


class EnrollBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    secret: SecretStr
    hostname: str = Field(min_length=1, max_length=255)
    agent_version: str = Field(default="", max_length=40)
    smbios_uuid: str | None = Field(default=None, max_length=64)  # a host enrolling again
    machine_id: str | None = Field(default=None, max_length=64)  # reuses its agent record


class Enrolled(BaseModel):
    agent_id: str
    token: str


def _count_reject(request: Request, reason: str) -> None:
    running = runtime_of(request.app.state, AgentsRuntime)
    if running is not None:
        running.counters.rejected.labels(reason).inc()


@router.post("/enroll", status_code=status.HTTP_201_CREATED)
def enroll_agent(body: EnrollBody, request: Request, db: DB) -> Enrolled:
    """Trade a site's enrollment secret for this agent's own token (shown once)."""
    try:
        with db.write() as s:
            agent, token = agents.enroll(s, body.secret.get_secret_value(), body.hostname,
                                         body.agent_version, **body.model_dump(
                                             include={"smbios_uuid", "machine_id"}))
    except InvalidInput:
        _count_reject(request, "unauthorized")
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "unknown or revoked enrollment secret") from None
    running = runtime_of(request.app.state, AgentsRuntime)
    if running is not None:
        running.tokens.forget_agent(agent.id or 0)  # its former token, if it had one
        running.ingest_pool()  # its first full report follows
    log.info("agent %s enrolled for %s", agent.uid, body.hostname)
    return Enrolled(agent_id=agent.uid, token=token)


def _refuse_token(request: Request) -> HTTPException:
    _count_reject(request, "unauthorized")
    return HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked agent token",
                         headers={"WWW-Authenticate": "Bearer"})


def _agent_of(request: Request, db: Database) -> Agent:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    with db.read() as s:
        agent = agents.authenticate(s, token.strip()) if scheme.lower() == "bearer" else None
    if agent is None:
        raise _refuse_token(request)
    return agent


def _token_hash(request: Request, running: AgentsRuntime | None) -> str | None:
    """The hash of the bearer token, which the writer checks again as it stores the
    report (``tokens.py``); None when there is no running service, or its writer does not
    check (a district's, which queues the report before storing it)."""
    if running is None or not running.stores_reports:
        return None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return hash_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Rejected(413, "too_large", "body", f"report larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Rejected(413, "too_large", "body", f"report larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_slots(request: Request, slots: int) -> asyncio.Semaphore:
    """At most ``slots`` reports expanded and parsed at once, per app."""
    sem: asyncio.Semaphore | None = getattr(request.app.state, "ingest_parse_slots", None)
    if sem is None:
        sem = request.app.state.ingest_parse_slots = asyncio.Semaphore(slots)
    return sem


# a body this small (a heartbeat is ~400 bytes) is expanded and parsed on the event loop:
# quicker than the hop to a thread; even a gzip bomb of it expands to 2 MiB at most
INLINE_BODY_BYTES = 2048
INLINE_DOC_BYTES = 64 * 1024


async def _report_of(request: Request, raw: bytes, limits: AgentSettings) -> Report:
    encoding = request.headers.get("content-encoding", "")
    if len(raw) > INLINE_BODY_BYTES:
        data = None
    else:
        data = reading.expand(raw, encoding, limits.max_report_expanded_bytes)
        if len(data) <= INLINE_DOC_BYTES:
            return reading.parse_checked(data, limits)
    async with _parse_slots(request, limits.max_concurrent_parses):
        return await run_in_threadpool(  # CPU work off the event loop
            lambda: reading.parse_checked(data, limits) if data is not None
            else reading.read(raw, encoding, limits))


def _apply_here(db: Database, agent_id: int, report: Report) -> Future[agents.IngestResult]:
    """Without the running service (an app made alone, in tests): a batch of one."""
    item = Pending(agent_id, report)
    apply_batch(db, [item])
    return item.done


def _to_pool(request: Request, running: AgentsRuntime | None, token_hash: str | None
             ) -> IngestPool | None:
    """The worker pool, for a body declared bigger than a heartbeat's (a full report)."""
    pool = running.ingest_pool() if running is not None and token_hash else None
    declared = request.headers.get("content-length", "")
    return pool if not declared.isdigit() or int(declared) > INLINE_BODY_BYTES else None


async def _in_process(request: Request, db: Database, running: AgentsRuntime | None,
                      agent: KnownAgent, token_hash: str | None, raw: bytes) -> Outcome:
    """Read and store here: the process's own writer (or, alone, a batch of one)."""
    try:
        report = await _report_of(request, raw, request.app.state.settings.agents)
    except Rejected as exc:
        return Outcome(agent, error=exc)
    if running is None:
        done = await run_in_threadpool(_apply_here, db, agent.id, report)
    else:
        done = (running.writer.submit(agent.id, report, token_hash) if token_hash is not None
                else running.writer.submit(agent.id, report))
        with contextlib.suppress(Exception):  # read once the writer answered: outcome_of
            await asyncio.wrap_future(done)
    return outcome_of(agent, report, done)


def _answer(request: Request, running: AgentsRuntime | None, token_hash: str | None,
            outcome: Outcome) -> JSONResponse:
    """The one answer to a report, wherever it was stored."""
    exc, who = outcome.error, outcome.agent.uid if outcome.agent else "?"
    if isinstance(exc, Rejected):
        _count_reject(request, exc.reason)
        log.warning("report from agent %s refused: %s", who, exc.detail)
        return JSONResponse({"detail": exc.detail, "field": exc.field}, status_code=exc.code)
    if isinstance(exc, StoreUnavailable):
        return JSONResponse({"detail": str(exc)}, status_code=503, headers=RETRY_AFTER)
    if isinstance(exc, TokenRefused):
        if running is not None and token_hash is not None:
            running.tokens.forget(token_hash)
        raise _refuse_token(request)
    if isinstance(exc, Conflict):
        _count_reject(request, "conflict")
        log.warning("report from agent %s refused: %s", who, exc)
        return JSONResponse({"detail": str(exc), "field": "report_id"}, status_code=409)
    if exc is not None:  # a bug, logged where it happened: counted against the report
        return JSONResponse({"detail": "report not applied (see the collector's log)"},
                            status_code=500)
    if running is not None:
        running.counters.received.labels(outcome.kind, outcome.status).inc()
    return JSONResponse({"status": outcome.status, "report_id": outcome.report_id,
                         "asset_id": outcome.asset_id})


@router.post("/reports")
@direct  # every agent's heartbeats: past FastAPI's dispatch (api/direct.py)
async def post_report(request: Request) -> JSONResponse:
    """One agent report (gzip JSON); answers ``accepted`` or ``duplicate``."""
    db: Database = request.app.state.db
    limits = request.app.state.settings.agents
    running = runtime_of(request.app.state, AgentsRuntime)
    token_hash = _token_hash(request, running)
    pool = _to_pool(request, running, token_hash)
    # an unknown token is refused before its body is read, here or (a full report for the
    # workers) before the worker reads it
    known = running.tokens.get(token_hash) if running is not None and token_hash else None
    if known is None and pool is None:
        agent = await run_in_threadpool(_agent_of, request, db)
        known = KnownAgent(agent.id or 0, agent.uid)
        if running is not None and token_hash is not None:
            running.tokens.put(token_hash, known)
    try:
        raw = await _read_body(request, limits.max_report_bytes)
    except Rejected as exc:
        return _answer(request, running, token_hash, Outcome(known, error=exc))
    if pool is not None and token_hash is not None:
        outcome = await asyncio.wrap_future(pool.submit(Job(
            token_hash, raw, request.headers.get("content-encoding", ""), known)))
        if outcome.agent is not None and known is None and running is not None:
            running.tokens.put(token_hash, outcome.agent)
    else:
        assert known is not None
        outcome = await _in_process(request, db, running, known, token_hash, raw)
    return _answer(request, running, token_hash, outcome)


@router.get("", openapi_extra=cli("agents"))
def list_agents(caller: AnyCaller, request: Request, db: DB,
                stale: bool = False) -> list[fleet.AgentRow]:
    """Agents and their last report; ``stale``: only those gone quiet or never seen."""
    with db.read() as s:
        return fleet.list_agents(s, request.app.state.settings.agents.stale_after_minutes,
                                 caller.scope, stale_only=stale)


@router.get("/antivirus", openapi_extra=cli("av"))
def antivirus(caller: AnyCaller, request: Request, db: DB) -> list[fleet.AvRow]:
    with db.read() as s:
        return fleet.av_compliance(s, request.app.state.settings.agents.antivirus,
                                   caller.scope)


# ---- the fleet views and the enrolment secrets, as ``agents``, ``host``, ``software`` ----

fleet_router = APIRouter(prefix="/api/v1", tags=["agents"])


class SecretCreate(BaseModel):
    site: str


class SecretCreated(BaseModel):
    site: str
    secret: str  # shown once; the store keeps its hash


@router.post("/enrollment-secrets", status_code=status.HTTP_201_CREATED,
             openapi_extra=cli("agents enroll-secret"))
def create_secret(body: SecretCreate, caller: Admin, db: DB) -> SecretCreated:
    """An enrolment secret for a site's agents, shown once."""
    with db.write() as s:
        _row, plain = agents.create_enrollment_secret(s, body.site, actor=caller.actor)
    return SecretCreated(site=body.site, secret=plain)


@router.delete("/enrollment-secrets/{site}", openapi_extra=cli("agents revoke-secrets"))
def revoke_secrets(site: str, caller: Admin, db: DB) -> dict[str, int]:
    """Revoke every enrolment secret of a site (enrolled agents keep their tokens)."""
    with db.write() as s:
        return {"revoked": agents.revoke_enrollment_secrets(s, site, actor=caller.actor)}


@router.post("/{agent}/revoke", openapi_extra=cli("agents revoke"))
def revoke_agent(agent: str, caller: Admin, request: Request, db: DB) -> dict[str, str]:
    """Revoke an agent's token (id, or its first 8+ characters)."""
    with db.write() as s:
        row = agents.revoke_agent(s, agent, actor=caller.actor)
        answer = {"agent_id": row.uid, "hostname": row.hostname}
    running = runtime_of(request.app.state, AgentsRuntime)
    if running is not None:  # refused before its body is read (the writer would anyway)
        running.tokens.forget_agent(row.id or 0)
    return answer


@fleet_router.get("/hosts/{ref}", openapi_extra=cli("host show"))
def host(ref: str, caller: AnyCaller, db: DB) -> dict[str, Any]:
    """A host's facts, its software and its change history (a liaison: its district's)."""
    with db.read() as s:
        return fleet.host_detail(s, fleet.find_host(s, ref, caller.scope))


@fleet_router.get("/software", openapi_extra=cli("software"))
def software(caller: AnyCaller, request: Request, db: DB,
             name: str | None = None) -> list[fleet.SoftwareRow]:
    """Installed software by package: versions, hosts, the policy's flag."""
    with db.read() as s:
        return fleet.software_summary(s, request.app.state.settings.agents.software, name,
                                      caller.scope)


@fleet_router.get("/software/flagged", openapi_extra=cli("software"))
def flagged_software(caller: AnyCaller, request: Request, db: DB) -> list[fleet.FlaggedHost]:
    """Hosts running denied or unapproved software, one row per package."""
    with db.read() as s:
        return fleet.flagged_hosts(s, request.app.state.settings.agents.software, caller.scope)
