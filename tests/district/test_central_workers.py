"""kill -9 of one of two central workers loses no accepted request: two real ``muniops
serve`` processes on one real PostgreSQL behind a load balancer (like two hosts), real
``muniops-agent`` processes delivering their spooled reports through it; one worker is
SIGKILLed in the middle of the load. Every report answered 2xx is in the store once, and
the agents' retries, which the balancer sends to the survivor, land without duplicates."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from muniops.inventory.db import Database
from muniops.inventory.models import AgentReport
from muniops.lab import postgres
from muniops.lab.agents import (
    CollectorProcess,
    arrived,
    delivered,
    flushing,
    spooled_agent,
    write_config,
)
from muniops.lab.balancer import Balancer
from muniops.lab.district import muniops

AGENTS, REPORTS_EACH = 4, 50


def _count(db: Database) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(AgentReport)).one())


def test_kill9_of_one_central_worker_loses_no_accepted_report(pg_base: str, tmp_path: Path
                                                              ) -> None:
    url = postgres.create_database(pg_base, f"workers_{time.monotonic_ns()}")
    a = CollectorProcess(write_config(tmp_path / "a", url))
    b = CollectorProcess(write_config(tmp_path / "b", url))
    muniops(a.config, "init")
    muniops(a.config, "sites", "add", "City Hall")
    secret = json.loads(muniops(a.config, "agents", "enroll-secret", "City Hall",
                                "--json"))["secret"]
    db = Database(url)
    states = [tmp_path / f"agent{i}" for i in range(AGENTS)]
    total = AGENTS * REPORTS_EACH
    try:
        with ThreadPoolExecutor(2) as starting:
            list(starting.map(lambda c: c.start(timeout=120), (a, b)))
        with Balancer([a.port, b.port]) as balancer:
            with ThreadPoolExecutor(AGENTS) as agents:
                spooled = dict(agents.map(lambda state: spooled_agent(
                    state, balancer.url, secret, "heartbeat", REPORTS_EACH), states))
            # every agent delivers at once, through the balancer, retrying for a while
            agents_flushing = flushing(states)
            deadline = time.monotonic() + 120
            while _count(db) < total // 4 or not balancer.active[a.port]:
                assert time.monotonic() < deadline, "the reports did not start arriving"
                time.sleep(0.005)
            served_before = dict(balancer.served)
            a.kill9()  # with a request in flight there
            at_kill = _count(db)
            answered = delivered(agents_flushing)  # the report ids answered 2xx
            served_after, cut = dict(balancer.served), dict(balancer.cut)
    finally:
        a.kill9()
        b.stop()

    assert at_kill < total, "delivery ended before the kill"
    assert served_before.get(a.port, 0) > 0 and served_before.get(b.port, 0) > 0
    assert served_after[b.port] > served_before[b.port]  # the retries went to the survivor
    assert cut.get(a.port, 0) >= 1  # requests were in flight there: cut with no answer
    assert sorted(answered) == sorted(i for ids in spooled.values() for i in ids)
    assert _count(db) == total
    assert arrived(url, list(spooled)) == spooled  # each once, in the agent's order
    db.dispose()
