"""Heartbeats at line rate, and nothing of what that costs: a batch applied in bulk has the
effects the same heartbeats have one by one; a revoked or replaced token is refused at
once although the API lets known tokens in on its cache; a concurrent copy of a report
(another worker on PostgreSQL) is applied once; the direct route answers as FastAPI's
router does."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from muniops.collector.agents.runtime import AgentsRuntime
from muniops.collector.agents.writer import Pending, apply_batch
from muniops.collector.api.direct import DirectRoutes
from muniops.collector.core.feature import runtime_of
from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.inventory import agents, migrate, sites, tokens
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.errors import Conflict, TokenRefused
from muniops.inventory.models import Agent, AgentReport, HostFacts, Role
from muniops.inventory.schemas import SiteCreate
from muniops.inventory.tokens import hash_token

REPORTS = "/api/v1/agents/reports"


def _doc(kind: str = "heartbeat", hostname: str = "pc-1", **extra: Any) -> dict[str, Any]:
    return {"schema_version": 1, "report_id": str(uuid.uuid4()), "kind": kind,
            "agent_version": "0.1.0", "host": {"hostname": hostname},
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"), **extra}


def _report(**kw: Any) -> Report:
    return Report.model_validate(_doc(**kw))


def _secret(db: Database) -> str:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall"), actor="t")
        return agents.create_enrollment_secret(s, "City Hall", actor="t")[1]


def _enroll(db: Database, secret: str, name: str, **keys: str) -> tuple[int, str]:
    with db.write() as s:
        agent, token = agents.enroll(s, secret, name, "0.1.0", **keys)
        return agent.id or 0, token


def _apply(db: Database, items: list[Pending]) -> list[Any]:
    apply_batch(db, items)
    out: list[Any] = []
    for item in items:
        exc = item.done.exception()
        out.append(exc if exc is not None else item.done.result())
    return out


def _agent(db: Database, agent_id: int) -> Agent:
    with db.read() as s:
        agent = s.get(Agent, agent_id)
        assert agent is not None
        return agent


def test_a_batch_of_heartbeats_has_the_effects_of_one_by_one(db: Database) -> None:
    secret = _secret(db)
    (a, a_tok), (b, b_tok), (c, c_tok) = (_enroll(db, secret, f"pc-{n}") for n in "abc")
    d, d_old = _enroll(db, secret, "pc-d", machine_id="m-d")
    _d_again, d_new = _enroll(db, secret, "pc-d", machine_id="m-d")  # d's token replaced
    with db.write() as s:
        row = s.get(Agent, c)
        assert row is not None
        agents.revoke_agent(s, row.uid, actor="t")
    # a has its asset (its full report), b has none yet: only a's health is kept
    assert _apply(db, [Pending(a, _report(kind="full", hostname="pc-a"))])[0].status == \
        "accepted"
    asset = _agent(db, a).asset_id
    assert asset is not None

    first, second = (_report(hostname="pc-a-renamed", health={"uptime_seconds": n})
                     for n in (10, 20))
    reused = Report.model_validate(_doc(hostname="pc-b") | {"report_id": str(first.report_id)})
    batch = [Pending(a, first, hash_token(a_tok)), Pending(a, second, hash_token(a_tok)),
             Pending(b, _report(hostname="pc-b", health={"uptime_seconds": 5}),
                     hash_token(b_tok)),
             Pending(a, first, hash_token(a_tok)),  # the same report again, in the batch
             Pending(b, reused, hash_token(b_tok)),  # a's report id, from b
             Pending(c, _report(hostname="pc-c"), hash_token(c_tok)),  # revoked
             Pending(d, _report(hostname="pc-d"), hash_token(d_old)),  # replaced token
             Pending(d, _report(hostname="pc-d"), hash_token(d_new)),
             Pending(b, _report(kind="full", hostname="pc-b"), hash_token(b_tok))]
    out = _apply(db, batch)
    assert [getattr(o, "status", type(o).__name__) for o in out] == [
        "accepted", "accepted", "accepted", "duplicate", "Conflict", "TokenRefused",
        "TokenRefused", "accepted", "accepted"]
    assert isinstance(out[4], Conflict) and isinstance(out[5], TokenRefused)
    assert out[0].asset_id == asset and out[2].asset_id is None

    agent_a, agent_b = _agent(db, a), _agent(db, b)
    assert (agent_a.reports_accepted, agent_a.hostname) == (3, "pc-a-renamed")
    assert agent_a.last_seen_at is not None
    assert agent_a.last_seen_at > datetime.now(UTC) - timedelta(minutes=1)
    assert agent_b.reports_accepted == 2 and agent_b.asset_id is not None  # its full report
    assert _agent(db, c).reports_accepted == 0 and _agent(db, d).reports_accepted == 1
    with db.read() as s:
        facts = s.get(HostFacts, asset)
        assert facts is not None and facts.health == {"uptime_seconds": 20}  # the last one
        ledger = s.exec(select(AgentReport.report_id, AgentReport.agent_id)).all()
    assert len(ledger) == 6  # a: full + 2 heartbeats; b: heartbeat + full; d: 1
    assert (str(first.report_id), a) in ledger

    # sent again later (its answer was lost): a duplicate, applied once
    (again,) = _apply(db, [Pending(a, first, hash_token(a_tok))])
    assert again.status == "duplicate" and _agent(db, a).reports_accepted == 3

    # the same heartbeats one at a time, through agents.ingest, count the same
    e, _ = _enroll(db, secret, "pc-e")
    with db.write() as s:
        for report in (_report(hostname="pc-e"), _report(hostname="pc-e2")):
            row = s.get(Agent, e)
            assert row is not None
            agents.ingest(s, row, report)
    assert (_agent(db, e).reports_accepted, _agent(db, e).hostname) == (2, "pc-e2")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_copy_stored_meanwhile_by_another_worker_is_applied_once(db: Database) -> None:
    """Two workers on one PostgreSQL may hold the same heartbeat (the agent sent it again
    after a timeout): the other one commits it just before this batch's ledger INSERT.
    That heartbeat is then a duplicate, the rest are accepted, and nothing is lost or
    counted twice."""
    secret = _secret(db)
    a, tok = _enroll(db, secret, "pc-a")
    raced, other = _report(hostname="pc-a"), _report(hostname="pc-a")
    worker = Database(db.url)
    fired: list[bool] = []

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def _other_worker(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO agent_report") and not fired:
            fired.append(True)
            with worker.write() as s:
                row = s.get(Agent, a)
                assert row is not None
                agents.ingest(s, row, raced)

    try:
        out = _apply(db, [Pending(a, raced, hash_token(tok)),
                          Pending(a, other, hash_token(tok))])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _other_worker)
        worker.dispose()
    assert fired
    assert [o.status for o in out] == ["duplicate", "accepted"]
    assert _agent(db, a).reports_accepted == 2  # the other worker's, and this one
    with db.read() as s:
        assert len(s.exec(select(AgentReport)).all()) == 2


@pytest.fixture
def service(db: Database) -> Iterator[tuple[TestClient, Collector]]:
    collector = Collector(Settings(database_url=db.url), db)
    with TestClient(collector.app) as client:
        yield client, collector
    collector.close()


def _post(client: TestClient, token: str | None, doc: dict[str, Any] | bytes,
          **headers: str) -> Any:
    body = doc if isinstance(doc, bytes) else gzip.compress(json.dumps(doc).encode())
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(REPORTS, content=body,
                       headers={"Content-Encoding": "gzip", **auth, **headers})


def test_revocation_counts_at_once_despite_the_token_cache(
        service: tuple[TestClient, Collector], db: Database) -> None:
    client, collector = service
    running = runtime_of(collector, AgentsRuntime)
    assert running is not None
    secret = _secret(db)
    enrolled = client.post("/api/v1/agents/enroll", json={
        "secret": secret, "hostname": "pc-1", "machine_id": "m-1"}).json()
    token = enrolled["token"]
    assert _post(client, token, _doc()).json()["status"] == "accepted"
    assert running.tokens.get(hash_token(token)) is not None  # let in on the cache next

    # revoked by another process (the CLI writes the store): the very next one is refused
    with db.write() as s:
        agents.revoke_agent(s, enrolled["agent_id"], actor="cli:t")
    refused = _post(client, token, _doc())
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert running.tokens.get(hash_token(token)) is None
    with db.read() as s:
        assert len(s.exec(select(AgentReport)).all()) == 1  # the refused one is not kept

    # enrolled again with a new token: the old one no longer works, the new one does
    second = client.post("/api/v1/agents/enroll", json={
        "secret": secret, "hostname": "pc-2", "machine_id": "m-2"}).json()
    new_token = second["token"]
    assert _post(client, new_token, _doc()).json()["status"] == "accepted"
    with db.write() as s:  # the host reinstalled: the CLI-side enrolment, same machine id
        _agent_row, newer = agents.enroll(s, secret, "pc-2", machine_id="m-2")
    assert _post(client, new_token, _doc()).status_code == 401
    assert _post(client, newer, _doc()).json()["status"] == "accepted"

    # revoked over the API: dropped from the cache there and then
    with db.write() as s:
        _, admin = tokens.create_token(s, "admin", Role.ADMIN, actor="t")
    assert client.post(f"/api/v1/agents/{second['agent_id']}/revoke",
                       headers={"Authorization": f"Bearer {admin}"}).status_code == 200
    assert running.tokens.get(hash_token(newer)) is None
    assert _post(client, newer, _doc()).status_code == 401
    assert _post(client, "ma_not-a-token", _doc()).status_code == 401
    assert len(running.tokens) == 0


def _answers(tmp: Path, with_direct: bool) -> list[tuple[int, Any, str | None]]:
    db = Database(sqlite_url(tmp))
    migrate.upgrade(db.engine)
    collector = Collector(Settings(database_url=db.url), db)
    app = collector.app
    if not with_direct:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not DirectRoutes]
    secret = _secret(db)
    out = []
    try:
        with TestClient(app) as client:
            token = client.post("/api/v1/agents/enroll", json={
                "secret": secret, "hostname": "pc-1"}).json()["token"]
            beat = _doc()
            for answer in (
                    _post(client, None, beat),
                    _post(client, "ma_unknown", beat),
                    _post(client, token, b"not gzip"),
                    _post(client, token, _doc(schema_version=99)),
                    _post(client, token, _doc(host={})),
                    _post(client, token, b"x" * (4 * 2**20 + 1)),  # the default limit
                    _post(client, token, beat),
                    _post(client, token, beat)):
                body = answer.json()
                body.pop("report_id", None)
                out.append((answer.status_code, body, answer.headers.get("www-authenticate")))
    finally:
        collector.close()
        db.dispose()
    return out


def test_the_direct_route_answers_as_the_router_does(tmp_path: Path) -> None:
    direct, routed = _answers(tmp_path / "a", True), _answers(tmp_path / "b", False)
    assert direct == routed
    assert [code for code, _body, _auth in direct] == [401, 401, 400, 400, 400, 413, 200,
                                                       200]
    assert direct[-2][1]["status"] == "accepted" and direct[-1][1]["status"] == "duplicate"
    assert direct[2][1]["field"] == "body" and direct[4][1]["field"] == "host.hostname"
