"""Full reports stored by ingest worker processes (``collector/agents/pool.py``), against a
real ``muniops serve`` and real ``muniops-agent`` processes.

A worker SIGKILLed under load loses no report the API answered 2xx: its batch is answered
503, the agents send those reports again, a new worker takes over, and each report is in
the store once, in each agent's order; the API process SIGKILLed, its workers end too.
The API process still answers for what the workers store (its counters on ``/metrics``),
and refuses through them what it refuses alone: an unknown or revoked token, a malformed
report naming the field. Two workers racing to register one MAC both store their report."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func
from sqlmodel import select

from muniops.inventory.db import Database
from muniops.inventory.models import Agent, AgentReport
from muniops.lab import postgres
from muniops.lab.agents import (
    CollectorProcess,
    arrived,
    delivered,
    flushing,
    run_agent,
    spooled_agent,
    write_config,
)
from muniops.lab.district import muniops
from tests.agent.test_hostile_reports import gz, post, report

AGENTS, FULL_EACH = 4, 12
WORKERS = "agents:\n  ingest_workers: 2\n"


def _full(c: CollectorProcess, outcome: str) -> float:
    """Full reports the API process answered 200 with ``outcome``, by its counter."""
    return c.metric(f'muniops_agent_reports_total{{kind="full",outcome="{outcome}"}}')


def _wait_ready(c: CollectorProcess, workers: int = 2) -> None:
    """Until ``workers`` workers run and have done starting (their CPU time stands still)."""
    deadline, last = time.monotonic() + 60, -1.0
    while time.monotonic() < deadline:
        procs = c.ingest_workers()
        spent = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
        if len(procs) == workers and spent == last:
            return
        last = spent
        time.sleep(0.5)
    raise AssertionError("the ingest workers did not start")


def _count(db: Database) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(AgentReport)).one())


def _collector(tmp_path: Path, url: str | None = None) -> tuple[CollectorProcess, str]:
    """A collector with two ingest workers, and an enrolment secret of its one site."""
    c = CollectorProcess(write_config(tmp_path / "c", url, WORKERS))
    muniops(c.config, "init")
    muniops(c.config, "sites", "add", "City Hall")
    return c, json.loads(muniops(c.config, "agents", "enroll-secret", "City Hall",
                                 "--json"))["secret"]


def test_a_killed_ingest_worker_loses_no_accepted_report(pg_base: str, tmp_path: Path
                                                         ) -> None:
    url = postgres.create_database(pg_base, f"pool_{time.monotonic_ns()}")
    c, secret = _collector(tmp_path, url)
    db = Database(url)
    states = [tmp_path / f"agent{i}" for i in range(AGENTS)]
    total = AGENTS * FULL_EACH
    with c:
        with ThreadPoolExecutor(AGENTS) as agents:
            spooled = dict(agents.map(lambda state: spooled_agent(
                state, c.url, secret, "full", FULL_EACH), states))
        agents_flushing = flushing(states)
        deadline = time.monotonic() + 120
        while _count(db) < total // 4 or len(c.ingest_workers()) < 2:
            assert time.monotonic() < deadline, "the workers did not start storing"
            time.sleep(0.01)
        victim = c.ingest_workers()[0]
        victim.kill()  # SIGKILL, most likely in the middle of a batch
        at_kill = _count(db)
        answered = delivered(agents_flushing)  # the report ids answered 2xx
        answered_200 = _full(c, "accepted") + _full(c, "duplicate")
        survivors = c.ingest_workers()
        c.kill9()  # the API process itself now: its workers do not outlive it
        still_alive = psutil.wait_procs(survivors, timeout=10)[1]
    log = c.log.read_text()
    assert not still_alive, "ingest workers outlived their SIGKILLed collector"

    assert at_kill < total, "delivery ended before the kill"
    assert "ingest worker failed" in log
    assert survivors and victim.pid not in {p.pid for p in survivors}  # a new pool took over
    assert sorted(answered) == sorted(i for ids in spooled.values() for i in ids)
    # counted by the API process, stored by the workers: each report answered 200 once
    # (accepted; or duplicate, when its batch had committed before the kill cut its answer)
    assert answered_200 == total
    assert _count(db) == total
    assert arrived(url, list(spooled)) == spooled  # each once, in the agent's order
    with db.read() as s:  # and each host's facts were applied
        assert all(a.asset_id is not None for a in s.exec(select(Agent)))
    db.dispose()


def test_the_workers_refuse_what_the_api_refuses(tmp_path: Path) -> None:
    """On SQLite too, when asked for: the workers share its one writer's lock."""
    c, secret = _collector(tmp_path)
    base: dict[str, Any] = json.loads(run_agent(tmp_path / "state", "inventory",
                                                "--print").stdout)
    path = "/api/v1/agents/reports"
    with c:
        enrolled = c.enroll(secret, "pc-1")
        token = enrolled["token"]

        code, _ = post(c, path, "ma_not-a-token", gz(report(base)))
        assert code == 401  # unknown: refused by the worker before it reads the body
        first = report(base)
        code, answer = post(c, path, token, gz(first))
        assert (code, answer["status"]) == (200, "accepted") and answer["asset_id"]
        code, answer = post(c, path, token, gz(first))
        assert (code, answer["status"]) == (200, "duplicate")
        code, answer = post(c, path, token, gz(report(base, memory={"total_bytes": "lots"})))
        assert (code, answer["field"]) == (400, "memory.total_bytes")
        assert c.ingest_workers(), "the full reports were not stored by a worker"

        muniops(c.config, "agents", "revoke", enrolled["agent_id"])  # another process
        code, _ = post(c, path, token, gz(report(base)))
        assert code == 401  # at once: the API still knew the token; the worker checks it
        assert _full(c, "accepted") == 1
        assert _full(c, "duplicate") == 1


def test_first_reports_racing_for_one_mac_on_two_workers_are_all_stored(
        pg_base: str, tmp_path: Path) -> None:
    """Hosts cloned from one image (one MAC, no serial) report for the first time at once:
    two workers' transactions both try to register the MAC; the one that loses the race
    applies its report again, and matches the host the other registered."""
    url = postgres.create_database(pg_base, f"race_{time.monotonic_ns()}")
    c, secret = _collector(tmp_path, url)
    base: dict[str, Any] = json.loads(run_agent(tmp_path / "state", "inventory",
                                                "--print").stdout)
    clone = {"name": "eth0", "mac": "02:00:00:00:be:ef", "up": True, "physical": True,
             "addresses": []}
    hosts = 24
    with c:
        def first_report(i: int, token: str) -> tuple[int, dict[str, Any]]:
            doc = report(base, host={"hostname": f"clone-{i}"}, network=[clone],
                         identity={**base["identity"], "hostname": f"clone-{i}",
                                   "serial": None, "smbios_uuid": None})
            body = gz(doc)
            start.wait()
            return post(c, "/api/v1/agents/reports", token, body)

        tokens = [c.enroll(secret, f"clone-{i}")["token"]  # the workers start with it
                  for i in range(hosts)]
        _wait_ready(c)  # both of them, so that their transactions overlap
        start = threading.Barrier(hosts)
        with ThreadPoolExecutor(hosts) as pool:
            answers = list(pool.map(first_report, range(hosts), tokens))
        assert len(c.ingest_workers()) == 2
    assert [code for code, _ in answers] == [200] * hosts, answers
    assert {a["status"] for _, a in answers} == {"accepted"}
    assert len({a["asset_id"] for _, a in answers}) == 1  # one host, found by its MAC
