"""The fleet commands on reports ingested through the inventory operations (in-process,
both backends): enrollment secrets, agents, av, host show, software."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from muniops.inventory import agents
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database
from tests.conftest import Cli

POLICY = """agents:
  antivirus: {max_signature_age_days: 2}
  software: {allow: ["office*", "firefox"], deny: ["utorrent*"]}
"""


def _report(host: str, serial: str, software: list[str], av_age_days: float | None,
            created: datetime) -> Report:
    products = [] if av_age_days is None else [{
        "product": "ESET", "enabled": True, "realtime": True,
        "signature_time": (datetime.now(UTC) - timedelta(days=av_age_days)).isoformat()}]
    return Report.model_validate({
        "schema_version": 1, "report_id": str(uuid.uuid4()), "kind": "full",
        "agent_version": "test", "created_at": created.isoformat(),
        "host": {"hostname": host},
        "identity": {"hostname": host, "serial": serial, "chassis_type": "Notebook"},
        "os": {"family": "windows", "name": "Windows 11 Pro"},
        "cpu": {"model": "i5", "physical_cores": 4, "logical_cores": 8},
        "memory": {"total_bytes": 16 * 2**30},
        "disks": [{"name": "disk0", "model": "SSD", "serial": "D1", "size_bytes": 512 * 10**9}],
        "network": [{"name": "Ethernet", "mac": "00-11-22-33-44-" + serial[-2:], "up": True}],
        "software": [{"name": n, "version": "1.0"} for n in software],
        "antivirus": {"state": "found" if products else "none", "products": products},
    })


@pytest.fixture
def fleet(cli: Cli, db_url: str) -> Cli:
    with cli.config.open("a") as fh:
        fh.write(POLICY)
    cli.ok("init")
    cli.ok("sites", "add", "District 2 Office", "--district", "D2")
    secret = cli.ok("agents", "enroll-secret", "District 2 Office", "--json").json()["secret"]
    db = Database(db_url)
    now = datetime.now(UTC)
    hosts: list[tuple[str, str, list[str], float | None]] = [
        ("pc-01", "SN01", ["office 2021", "firefox"], 0.5),
        ("pc-02", "SN02", ["office 2021", "utorrent 3.5"], 5),
        ("pc-03", "SN03", ["firefox", "winrar"], None),
    ]
    for host, serial, software, age in hosts:
        with db.write() as s:
            agent, _ = agents.enroll(s, secret, host)
            agents.ingest(s, agent, _report(host, serial, software, age, now))
    db.dispose()
    return cli


def test_av_lists_noncompliant_hosts_with_reasons(fleet: Cli) -> None:
    out: Any = fleet.ok("av", "--json").json()
    assert (out["hosts"], out["compliant"], out["noncompliant"]) == (3, 1, 2)
    reasons = {r["hostname"]: r["reasons"] for r in out["rows"]}
    assert reasons["pc-02"] == ["ESET signatures are 5 days old (max 2)"]
    assert reasons["pc-03"] == ["no antivirus installed"]
    table = fleet.ok("av").out
    assert "1 of 3 hosts compliant" in table and "pc-03" in table and "pc-01" not in table


def test_software_summary_and_flags(fleet: Cli) -> None:
    rows = {r["name"]: r for r in fleet.ok("software", "--json").json()}  # type: ignore[union-attr]
    assert rows["firefox"]["hosts"] == 2 and rows["firefox"]["flag"] is None
    assert rows["utorrent 3.5"]["flag"] == "denied"
    assert rows["winrar"]["flag"] == "unapproved"
    flagged = fleet.ok("software", "--flagged", "--json").json()
    assert sorted((f["hostname"], f["flag"]) for f in flagged) == [  # type: ignore[union-attr]
        ("pc-02", "denied"), ("pc-03", "unapproved")]
    assert "utorrent" in fleet.ok("software", "--name", "torr").out


def test_host_show_agents_and_discovered_assets(fleet: Cli) -> None:
    shown: Any = fleet.ok("host", "show", "pc-02", "--json").json()
    assert shown["asset"]["status"] == "discovered" and shown["asset"]["kind"] == "laptop"
    assert shown["asset"]["macs"] == ["00:11:22:33:44:02"]
    assert [s["name"] for s in shown["software"]] == ["office 2021", "utorrent 3.5"]
    assert "Windows 11 Pro" in fleet.ok("host", "show", "SN02").out
    listed: Any = fleet.ok("agents", "--json").json()
    assert sorted(a["hostname"] for a in listed) == ["pc-01", "pc-02", "pc-03"]
    assert {a["state"] for a in listed} == {"active"}
    assert fleet.ok("agents", "--stale", "--json").json() == []
    fleet.ok("agents", "revoke", "pc-03")
    again = fleet("agents", "revoke", "pc-03")
    assert again.code == 4 and "already revoked" in again.err
    assert fleet("agents", "revoke", "nope").code == 3


def test_revoked_secret_enrolls_no_one(fleet: Cli, db_url: str) -> None:
    secret = fleet.ok("agents", "enroll-secret", "District 2 Office", "--json").json()["secret"]
    fleet.ok("agents", "revoke-secrets", "District 2 Office")
    db = Database(db_url)
    try:
        with pytest.raises(agents.InvalidInput, match="secret"), db.write() as s:
            agents.enroll(s, secret, "pc-99")
    finally:
        db.dispose()
    assert fleet("agents", "enroll-secret", "Atlantis").code == 3


def test_a_liaison_sees_only_their_district(fleet: Cli, db_url: str) -> None:
    from muniops.inventory import fleet as views
    from muniops.inventory.agent_policy import AntivirusPolicy
    from muniops.inventory.scope import Scope

    db = Database(db_url)
    try:
        with db.read() as s:
            assert len(views.av_compliance(s, AntivirusPolicy(), Scope("D2"))) == 3
            assert views.av_compliance(s, AntivirusPolicy(), Scope("Center")) == []
            assert views.list_agents(s, 30, Scope("Center")) == []
            assert len(views.list_agents(s, 30, Scope("D2"))) == 3
    finally:
        db.dispose()
