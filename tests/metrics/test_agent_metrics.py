"""The agents' metrics keep each host's antivirus facts between scrapes (so a scrape at
5,000 hosts stays cheap) and still follow every new report and the passing of time: the
same answers as the fleet view (``muniops av``), on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from muniops.collector.agents.metrics import AgentMetrics
from muniops.inventory import agents, fleet, sites
from muniops.inventory.agent_policy import AgentSettings
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database
from muniops.inventory.models import Agent
from muniops.inventory.schemas import SiteCreate


@pytest.fixture(scope="module")
def base_report() -> dict[str, Any]:
    from muniops.agent.report import gather

    report = gather("full")
    report["software"] = (report.get("software") or [])[:5]
    return report


def antivirus(age: timedelta) -> dict[str, Any]:
    return {"state": "found", "products": [{
        "product": "ClamAV", "enabled": True, "realtime": False,
        "signature_time": (datetime.now(UTC) - age).isoformat()}]}


def deliver(db: Database, agent_id: int, base: dict[str, Any], name: str, serial: str,
            av: dict[str, Any]) -> None:
    data = copy.deepcopy(base)
    data.update(report_id=str(uuid.uuid4()), created_at=datetime.now(UTC).isoformat(),
                antivirus=av)
    data["host"]["hostname"] = name
    if data.get("identity"):
        data["identity"].update(hostname=name, serial=serial, smbios_uuid=serial)
    for n, nic in enumerate(data.get("network") or []):
        nic["mac"] = f"02:00:00:{serial[-2:]}:00:{n:02x}"
    with db.write() as s:
        agent = s.get(Agent, agent_id)
        assert agent is not None
        agents.ingest(s, agent, Report.model_validate(data))


def values(metrics: AgentMetrics) -> dict[tuple[str, str], float]:
    registry = CollectorRegistry()
    registry.register(metrics)
    out = {}
    for family in registry.collect():
        for sample in family.samples:
            if sample.name.startswith("muniops_antivirus"):
                label = sample.labels.get("device") or sample.labels.get("state", "")
                out[(sample.name, label)] = sample.value
    return out


def test_antivirus_metrics_follow_reports_and_time(db: Database,
                                                   base_report: dict[str, Any]) -> None:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall"), actor="t")
        _, secret = agents.create_enrollment_secret(s, "City Hall", actor="t")
        ids = [agents.enroll(s, secret, name)[0].id for name in ("pc-1", "pc-2")]
    assert None not in ids
    deliver(db, ids[0], base_report, "pc-1", "SER-01", antivirus(timedelta(days=9)))
    deliver(db, ids[1], base_report, "pc-2", "SER-02", antivirus(timedelta(hours=1)))
    settings = AgentSettings()
    metrics = AgentMetrics(db, settings)

    first = values(metrics)
    assert first[("muniops_antivirus_compliant", "pc-1")] == 0
    assert first[("muniops_antivirus_compliant", "pc-2")] == 1
    assert first[("muniops_antivirus_hosts", "noncompliant")] == 1
    assert first[("muniops_antivirus_signature_age_seconds", "pc-1")] == pytest.approx(
        9 * 86400, rel=0.01)

    # pc-1 updates its signatures: the next scrape sees the new report
    deliver(db, ids[0], base_report, "pc-1", "SER-01", antivirus(timedelta(minutes=5)))
    second = values(metrics)
    assert second[("muniops_antivirus_compliant", "pc-1")] == 1
    assert second[("muniops_antivirus_hosts", "noncompliant")] == 0

    # what the fleet view says, the metrics say
    with db.read() as s:
        rows = fleet.av_compliance(s, settings.antivirus)
    assert {r.hostname: float(r.compliant) for r in rows} == {
        d: v for (n, d), v in second.items() if n == "muniops_antivirus_compliant"}


def test_ageing_signatures_turn_a_host_noncompliant_without_a_new_report(
        db: Database, base_report: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall"), actor="t")
        _, secret = agents.create_enrollment_secret(s, "City Hall", actor="t")
        agent_id = agents.enroll(s, secret, "pc-1")[0].id
    assert agent_id is not None
    deliver(db, agent_id, base_report, "pc-1", "SER-01", antivirus(timedelta(days=2)))
    metrics = AgentMetrics(db, AgentSettings())
    assert values(metrics)[("muniops_antivirus_compliant", "pc-1")] == 1
    later = datetime.now(UTC) + timedelta(days=2)
    monkeypatch.setattr("muniops.collector.agents.metrics.utcnow", lambda: later)
    assert values(metrics)[("muniops_antivirus_compliant", "pc-1")] == 0
