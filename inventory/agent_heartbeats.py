"""Heartbeats in bulk: a batch of them applied with four statements, whatever its size.

A heartbeat changes little (the ledger row of its UUID, the agent's last-seen time and
counter, the host's health), but applied one by one through the ORM each cost a SAVEPOINT,
an agent load, a ledger check, a flush and two UPDATEs: most of the collector's time at
a thousand heartbeats a second, and on PostgreSQL a round trip each. Here a batch reads
its agents once, inserts its ledger rows in one statement that skips the UUIDs the ledger
holds already (``ON CONFLICT DO NOTHING``, so a copy another worker stored a moment ago is
no error) and says which it stored, and updates agents and health in one executemany
each, in key order (two workers never wait on each other's rows in opposite orders).
The outcome per heartbeat is the one ``agents.ingest`` gives it one at a time: accepted,
duplicate (its UUID is in the ledger, from the same agent), a Conflict (the UUID is
another agent's), or TokenRefused (the agent was revoked, or enrolled again with a new
token, since the request was let in)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
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
    """Whether an agent (a row with ``token_hash`` and ``revoked_at``) no longer answers
    to ``token_hash``: checked in the transaction that writes, so a revocation or a new
    enrolment made by another process counts at once."""
    return row.revoked_at is not None or (token_hash is not None
                                          and row.token_hash != token_hash)


def _insert_new(conn: Connection, ledger: Table) -> Insert:
    """INSERT of ledger rows that skips a UUID already there and returns those it stored."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[conn.dialect.name]
    return (dialect.insert(ledger).on_conflict_do_nothing(index_elements=["report_id"])
            .returning(ledger.c.report_id))


def ingest_heartbeats(session: Session, beats: Sequence[Heartbeat]) -> list[Outcome]:
    """Apply ``beats`` (all of kind ``heartbeat``) in ``session``'s transaction; one
    outcome per heartbeat, in order."""
    conn = session.connection()
    ledger, agent_t, facts_t = table_of(AgentReport), table_of(Agent), table_of(HostFacts)
    ids = [str(b.report.report_id) for b in beats]
    agents = {row.id: row for row in conn.execute(
        select(agent_t.c.id, agent_t.c.asset_id, agent_t.c.token_hash, agent_t.c.revoked_at)
        .where(agent_t.c.id.in_({b.agent_id for b in beats})))}
    now = utcnow()
    out: list[Outcome | None] = [None] * len(beats)
    first: dict[str, int] = {}  # each UUID's first heartbeat in the batch, by index
    rows: list[dict[str, Any]] = []
    for i, (beat, rid) in enumerate(zip(beats, ids, strict=True)):
        agent = agents.get(beat.agent_id)
        if agent is None or token_refused(agent, beat.token_hash):
            out[i] = TokenRefused("unknown or revoked agent token")
        elif rid not in first:
            first[rid] = i
            rows.append({"report_id": rid, "agent_id": beat.agent_id,
                         "kind": beat.report.kind, "created_at": beat.report.created_at,
                         "received_at": now})
    stored = set(conn.execute(_insert_new(conn, ledger), rows).scalars()) if rows else set()
    owners = {rid: beats[i].agent_id for rid, i in first.items()}
    if len(stored) < len(first):  # some were in the ledger already: sent by whom?
        owners.update((rid, aid) for rid, aid in conn.execute(
            select(ledger.c.report_id, ledger.c.agent_id).where(
                ledger.c.report_id.in_([rid for rid in first if rid not in stored]))))
    seen: dict[int, dict[str, Any]] = {}  # per agent: heartbeats accepted, the last one
    health: dict[int, dict[str, Any]] = {}  # per asset: the last health
    for i, (beat, rid) in enumerate(zip(beats, ids, strict=True)):
        if out[i] is not None:
            continue
        asset_id = agents[beat.agent_id].asset_id
        if owners[rid] != beat.agent_id:
            out[i] = Conflict(f"report id {rid} was already used by another agent")
        elif rid not in stored or first[rid] != i:
            out[i] = IngestResult(DUPLICATE, asset_id)
        else:
            report = beat.report
            mine = seen.setdefault(beat.agent_id, {"b_id": beat.agent_id, "b_n": 0})
            mine.update(b_n=mine["b_n"] + 1, b_host=report.host.hostname,
                        b_version=report.agent_version)
            if asset_id is not None and report.health is not None:
                health[asset_id] = report.health.model_dump(mode="json")
            out[i] = IngestResult(ACCEPTED, asset_id)
    if seen:
        conn.execute(update(agent_t).where(agent_t.c.id == bindparam("b_id")).values(
            last_seen_at=now, reports_accepted=agent_t.c.reports_accepted + bindparam("b_n"),
            hostname=bindparam("b_host"), agent_version=bindparam("b_version")),
            [seen[a] for a in sorted(seen)])
    if health:
        conn.execute(update(facts_t).where(facts_t.c.asset_id == bindparam("b_asset"))
                     .values(health=bindparam("b_health")),
                     [{"b_asset": a, "b_health": health[a]} for a in sorted(health)])
    done = [o for o in out if o is not None]
    assert len(done) == len(beats)
    return done
