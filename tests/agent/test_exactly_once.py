"""Exactly-once delivery under SIGKILL: agents deliver while the collector is killed and
restarted, and an agent is killed mid-delivery; every report is then found exactly once."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from muniops.inventory.db import Database
from muniops.inventory.models import Agent, AgentReport
from muniops.lab.agents import CollectorProcess, agent_argv, run_agent
from tests.conftest import Cli

AGENTS = 4
REPORTS_EACH = 60


def _ledger(db: Database) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(AgentReport)).one())


def _wait_for(db: Database, n: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while _ledger(db) < n:
        assert time.monotonic() < deadline, f"fewer than {n} reports arrived"
        time.sleep(0.01)


def _spool(state: Path, count: int) -> list[str]:
    out = run_agent(state, "send", "--kind", "heartbeat", "--count", str(count), "--spool-only")
    assert out.returncode == 0, out.stderr
    ids: list[str] = json.loads(out.stdout)["spooled"]
    return ids


def test_kill_collector_and_agent_mid_delivery(cli: Cli, db_url: str, tmp_path: Path) -> None:
    cli.ok("init")
    cli.ok("sites", "add", "City Hall")
    secret = cli.ok("agents", "enroll-secret", "City Hall", "--json").json()["secret"]
    db = Database(db_url)
    collector = CollectorProcess(cli.config)
    states = [tmp_path / f"agent{i}" for i in range(AGENTS + 1)]
    try:
        collector.start(timeout=180)
        expected: list[str] = []
        for state in states:
            assert run_agent(state, "enroll", "--server", collector.url, "--as-new-host",
                             "--secret", secret).returncode == 0
            expected += _spool(state, REPORTS_EACH)

        # four agents deliver at once; the collector is SIGKILLed in the middle
        procs = [subprocess.Popen(agent_argv(s, "flush", "--retry-for", "240"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for s in states[:AGENTS]]
        _wait_for(db, 40)
        collector.kill9()
        killed_at = _ledger(db)
        assert killed_at < AGENTS * REPORTS_EACH, "delivery ended before the kill"
        time.sleep(1.0)  # the agents find nobody there and keep their reports
        collector.start(timeout=180)
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            assert json.loads(out)["pending"] == 0

        # the fifth agent is SIGKILLed itself mid-delivery, then started again
        last = subprocess.Popen(agent_argv(states[-1], "flush"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _wait_for(db, AGENTS * REPORTS_EACH + 10)
        last.kill()
        last.wait()
        again = run_agent(states[-1], "flush")
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["pending"] == 0

        with db.read() as s:
            stored = list(s.exec(select(AgentReport.report_id)))
            accepted = sum(a.reports_accepted for a in s.exec(select(Agent)))
        assert len(stored) == len(set(stored))
        assert sorted(stored) == sorted(expected)
        assert accepted == len(expected)  # each report's effects applied once
    finally:
        collector.stop()
        db.dispose()
