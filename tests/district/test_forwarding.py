"""A district collector forwards its agents' reports to the central exactly once and in
order: real ``muniops serve`` processes (the central over HTTPS with its private CA, the
district on its own SQLite) and real ``muniops-agent`` processes. The central is away
while the agents report, then comes back; the district is SIGKILLed mid-forward and
started again; at the end every report is at the central once, in each agent's order."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from muniops.collector.district.outbox import Outbox
from muniops.inventory.db import Database
from muniops.inventory.models import Agent, AgentReport, DistrictApplied
from muniops.lab.agents import run_agent
from muniops.lab.district import make_central, make_district, muniops

AGENTS, REPORTS_EACH = 3, 100


def _count(db: Database, model: type[AgentReport] | type[DistrictApplied]) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def _wait(what: str, check: object, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _deliver_to_district(url: str, secret: str, states: list[Path]) -> dict[str, list[str]]:
    """Each agent enrols at the district and delivers its spooled heartbeats, oldest first."""
    sent: dict[str, list[str]] = {}
    for state in states:
        enrolled = run_agent(state, "enroll", "--server", url, "--as-new-host",
                             "--secret", secret)
        assert enrolled.returncode == 0, enrolled.stderr
        spooled = run_agent(state, "send", "--kind", "heartbeat", "--count",
                            str(REPORTS_EACH), "--spool-only")
        assert spooled.returncode == 0, spooled.stderr
        flushed = run_agent(state, "flush")
        assert flushed.returncode == 0, flushed.stderr
        assert json.loads(flushed.stdout)["pending"] == 0
        sent[json.loads(enrolled.stdout)["agent_id"]] = json.loads(spooled.stdout)["spooled"]
    return sent


def test_outage_then_kill9_mid_forward_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    central = make_central(tmp_path / "central")
    secret = central.secret_for("North Office", "north")
    muniops(central.config, "devices", "add", "north-sw1", "--address", "192.0.2.1",
            "--snmp-credential", "lan", "--site", "North Office")
    district = make_district(tmp_path / "north", central, "north-1", secret,
                             site="North Office", district="north", batch_size=10)
    db = Database(central.database_url)
    total = AGENTS * REPORTS_EACH
    try:
        # the central is away: the district accepts its agents' reports all the same
        district.process.start(timeout=120)
        sent = _deliver_to_district(district.process.url, district.agent_secret,
                                    [tmp_path / f"agent{i}" for i in range(AGENTS)])
        outbox = Outbox(district.data_dir / "district" / "outbox.sqlite3")
        assert outbox.depth()[0] == total
        outbox.close()
        time.sleep(2)  # a few forward attempts fail while the central is away
        assert "not reached" in district.process.log.read_text()

        # the central comes back; the district is SIGKILLed in the middle of forwarding
        central.process.start(timeout=120)
        _wait("the first forwarded items", lambda: _count(db, AgentReport) >= 40)
        district.process.kill9()
        killed_at = _count(db, AgentReport)
        assert killed_at < total, "forwarding ended before the kill"
        district.process.start(timeout=120)
        _wait("every report at the central", lambda: _count(db, DistrictApplied) >= total)
        time.sleep(2)  # any late duplicate would land now

        assert _count(db, AgentReport) == total
        assert _count(db, DistrictApplied) == total
        with db.read() as s:
            for uid, report_ids in sent.items():
                agent = s.exec(select(Agent).where(Agent.uid == uid)).one()
                arrived = s.exec(select(AgentReport.report_id)
                                 .where(AgentReport.agent_id == agent.id)
                                 .order_by(col(AgentReport.id))).all()
                assert list(arrived) == report_ids  # every one, once, in the agent's order
            outcomes = set(s.exec(select(DistrictApplied.outcome)).all())
            assert outcomes == {"applied"}
        listed = json.loads(muniops(central.config, "district", "list", "--json"))
        assert [(r["name"], r["district"], r["items_applied"]) for r in listed] == [
            ("north-1", "north", total)]

        # the district keeps the central's copy of its devices and policies
        _wait("the central's copy", lambda: (district.data_dir / "district" /
                                             "copy.json").exists(), timeout=30)
        status = json.loads(muniops(district.config, "district", "status", "--json"))
        assert status["outbox_items"] == 0 and status["enrolled"] is True
        copy = json.loads((district.data_dir / "district" / "copy.json").read_text())
        assert copy["district"] == "north"
        assert [d["name"] for d in copy["devices"]] == ["north-sw1"]
        assert "agents" in copy["policies"] and copy["profiles"] and copy["playbooks"]
        assert secret not in district.process.log.read_text()
    finally:
        district.process.stop()
        central.process.stop()
        db.dispose()
