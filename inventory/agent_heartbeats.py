"""Heartbeats in bulk: a batch of them applied with five statements, whatever its size.

A heartbeat changes little (the ledger row of its UUID, the agent's last-seen time and
counter, the host's health), but applied one by one through the ORM each cost a SAVEPOINT,
an agent load, a ledger check, a flush and two UPDATEs: most of the collector's time at
a thousand heartbeats a second. Here a batch reads its ledger ids and its agents once,
inserts the new ledger rows in one executemany, and updates agents and health in one
executemany each. The outcome per heartbeat is the one ``agents.ingest`` gives it one at
a time: accepted, duplicate (its UUID is in the ledger, from the same agent), a Conflict
(the UUID is another agent's), or TokenRefused (the agent was revoked, or enrolled again
with a new token, since the request was let in)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from muniops.inventory.agent_schema import Report
from muniops.inventory.agents import ACCEPTED, DUPLICATE, IngestResult
from muniops.inventory.db import table_of
from muniops.inventory.errors import Conflict, MuniopsError, TokenRefused
from muniops.inventory.models import Agent, AgentReport, HostFacts
from muniops.inventory.types import utcnow

Outcome = IngestResult | MuniopsError


@dataclass(frozen=True)
class Heartbeat:
    agent_id: int
    report: Report
    # the hash of the token the request came with; None: the caller checked it already
    token_hash: str | None = None


def token_refused(row: Any, token_hash: str | None) -> bool:
    """Whether an agent (a row with ``token_hash`` and ``revoked_at``, or None) no longer
    answers to ``token_hash``: checked in the transaction that writes, so a revocation or
    a new enrolment made by another process counts at once."""
    return (row is None or row.revoked_at is not None
            or (token_hash is not None and row.token_hash != token_hash))


def ingest_heartbeats(session: Session, beats: Sequence[Heartbeat]) -> list[Outcome]:
    """Apply ``beats`` (all of kind ``heartbeat``) in ``session``'s transaction; one
    outcome per heartbeat, in order. A concurrent writer inserting one of the same UUIDs
    makes the ledger INSERT raise IntegrityError: the caller applies them one by one."""
    conn = session.connection()
    ledger, agent_t, facts_t = table_of(AgentReport), table_of(Agent), table_of(HostFacts)
    ids = [str(b.report.report_id) for b in beats]
    owners: dict[str, int] = {
        rid: aid for rid, aid in conn.execute(
            select(ledger.c.report_id, ledger.c.agent_id).where(ledger.c.report_id.in_(ids)))}
    agents = {row.id: row for row in conn.execute(
        select(agent_t.c.id, agent_t.c.asset_id, agent_t.c.token_hash, agent_t.c.revoked_at)
        .where(agent_t.c.id.in_({b.agent_id for b in beats})))}
    now = utcnow()
    out: list[Outcome] = []
    rows: list[dict[str, Any]] = []
    seen: dict[int, dict[str, Any]] = {}  # per agent: heartbeats accepted, the last one
    health: dict[int, dict[str, Any]] = {}  # per asset: the last health
    for beat, rid in zip(beats, ids, strict=True):
        agent = agents.get(beat.agent_id)
        if agent is None or token_refused(agent, beat.token_hash):
            out.append(TokenRefused("unknown or revoked agent token"))
            continue
        owner = owners.get(rid)
        if owner is not None:
            out.append(IngestResult(DUPLICATE, agent.asset_id) if owner == beat.agent_id
                       else Conflict(f"report id {rid} was already used by another agent"))
            continue
        owners[rid] = beat.agent_id  # the same UUID twice in one batch: the second is seen
        report = beat.report
        rows.append({"report_id": rid, "agent_id": beat.agent_id, "kind": report.kind,
                     "created_at": report.created_at, "received_at": now})
        mine = seen.setdefault(beat.agent_id, {"b_id": beat.agent_id, "b_n": 0})
        mine.update(b_n=mine["b_n"] + 1, b_host=report.host.hostname,
                    b_version=report.agent_version)
        if agent.asset_id is not None and report.health is not None:
            health[agent.asset_id] = report.health.model_dump(mode="json")
        out.append(IngestResult(ACCEPTED, agent.asset_id))
    if rows:
        conn.execute(insert(ledger), rows)
        conn.execute(update(agent_t).where(agent_t.c.id == bindparam("b_id")).values(
            last_seen_at=now, reports_accepted=agent_t.c.reports_accepted + bindparam("b_n"),
            hostname=bindparam("b_host"), agent_version=bindparam("b_version")),
            list(seen.values()))
    if health:
        conn.execute(update(facts_t).where(facts_t.c.asset_id == bindparam("b_asset"))
                     .values(health=bindparam("b_health")),
                     [{"b_asset": a, "b_health": h} for a, h in health.items()])
    return out
