"""Write-off candidates, the reuse list from the agents' hardware facts, and the
committee's batch: all its assets retired or none, and its list printed and read back."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from muniops.inventory import agents, assets, repairs, sites, writeoff
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database
from muniops.inventory.errors import Conflict
from muniops.inventory.models import AssetKind, AssetStatus
from muniops.inventory.schemas import AssetCreate, PersonCreate, RepairClose, RepairOpen, SiteCreate
from muniops.inventory.writeoff_policy import WriteOffPolicy
from tests.conftest import Cli
from tests.reports.readback import pages_text, plain

TODAY = date(2026, 12, 1)
POLICY = WriteOffPolicy(repairs=2)
GIB = 2**30


def _pc(s: object, tag: str, bought: date, **kw: object) -> None:
    assets.add_asset(s, AssetCreate(asset_tag=tag, serial=f"S-{tag}", kind=AssetKind.PC,  # type: ignore[arg-type]
                                    site="City Hall", purchase_date=bought,
                                    status=AssetStatus.DEPLOYED, **kw), actor="t")


def _facts(serial: str, mac: str, cores: int, memory_gib: int, rotational: bool) -> Report:
    return Report.model_validate({
        "schema_version": 1, "report_id": str(uuid.uuid4()), "kind": "full",
        "agent_version": "test", "created_at": datetime.now(UTC).isoformat(),
        "host": {"hostname": serial.lower()},
        "identity": {"hostname": serial.lower(), "serial": serial},
        "os": {"family": "linux"}, "cpu": {"model": "Core i5-4570", "physical_cores": cores},
        "memory": {"total_bytes": memory_gib * GIB},
        "disks": [{"name": "sda", "model": "ST500DM002", "size_bytes": 500 * 10**9,
                   "rotational": rotational}],
        "network": [{"name": "eth0", "mac": mac, "up": True}]})


@pytest.fixture
def office(db: Database) -> Database:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center"), actor="t")
        _pc(s, "OLD-1", date(2017, 3, 1), warranty_end=date(2020, 3, 1))
        _pc(s, "NEW-1", date(2025, 5, 1))
        _pc(s, "FIXED-1", date(2024, 1, 1))
        _pc(s, "MID-1", date(2021, 9, 1))  # five years old, a good CPU, 4 GB, HDD
        _pc(s, "MID-2", date(2021, 9, 1))  # same age, 16 GB and an SSD: nothing to do
        _pc(s, "SLOW-1", date(2019, 1, 1))  # two cores: not worth upgrading
        for _ in range(2):
            ticket = repairs.open_ticket(s, "FIXED-1", RepairOpen(part="PSU", vendor="Dell"),
                                         actor="t")
            repairs.close_ticket(s, ticket.id or 0, RepairClose(outcome="replaced"), actor="t")
        secret = agents.create_enrollment_secret(s, "City Hall", actor="t")[1]
    for serial, mac, cores, mem, hdd in (("S-MID-1", "00:11:22:33:44:01", 4, 4, True),
                                         ("S-MID-2", "00:11:22:33:44:02", 4, 16, False),
                                         ("S-SLOW-1", "00:11:22:33:44:03", 2, 2, True)):
        with db.write() as s:
            agent, _ = agents.enroll(s, secret, serial.lower())
            agents.ingest(s, agent, _facts(serial, mac, cores, mem, hdd))
    return db


def test_candidates_and_reuse(office: Database) -> None:
    with office.read() as s:
        found = {c.asset.asset_tag: c.reasons for c in writeoff.candidates(
            s, POLICY, TODAY, default_life=5)}
        reuse = {r.asset.asset_tag: r for r in writeoff.reuse(s, POLICY, TODAY)}
    assert found == {"OLD-1": ["past_economic_life", "out_of_warranty"],
                     "SLOW-1": ["past_economic_life"], "MID-1": ["past_economic_life"],
                     "MID-2": ["past_economic_life"], "FIXED-1": ["repeated_repairs"]}
    assert set(reuse) == {"MID-1"}
    assert reuse["MID-1"].upgrades == ["add_memory", "ssd"] and reuse["MID-1"].memory_gib == 4


def test_a_batch_retires_all_or_none(office: Database) -> None:
    with office.write() as s:
        sites.add_person(s, PersonCreate(name="Ali", employee_id="E1"), actor="t")
        assets.assign(s, assets.get_asset(s, "SLOW-1"), "E1", actor="t")
    data = writeoff.BatchCreate(number="WO-1405-01", decided_on=date(2026, 11, 30),
                                committee=["A. Rahimi", "M. Kaya"], assets=["OLD-1", "SLOW-1"])
    with pytest.raises(Conflict, match="still assigned"), office.write() as s:
        writeoff.create_batch(s, data, POLICY, TODAY, actor="t")
    with office.read() as s:
        assert assets.get_asset(s, "OLD-1").status == AssetStatus.DEPLOYED  # nothing half done
        with pytest.raises(Exception, match="write-off batch"):
            writeoff.get_batch(s, "WO-1405-01")
    with office.write() as s:
        writeoff.create_batch(s, data.model_copy(update={"assets": ["OLD-1", "FIXED-1"]}),
                              POLICY, TODAY, actor="t")
    with office.read() as s:
        batch, rows = writeoff.get_batch(s, "WO-1405-01")
        assert batch.committee == ["A. Rahimi", "M. Kaya"] and batch.actor == "t"
        assert {a.asset_tag: r for a, _site, r in rows} == {
            "OLD-1": ["past_economic_life", "out_of_warranty"],
            "FIXED-1": ["repeated_repairs"]}
        assert assets.get_asset(s, "OLD-1").status == AssetStatus.RETIRED
    with pytest.raises(Conflict, match="already exists"), office.write() as s:
        writeoff.create_batch(s, data, POLICY, TODAY, actor="t")


def test_batch_list_printed_from_the_cli(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init")
    cli.ok("sites", "add", "City Hall", "--district", "Center", "--timezone", "Asia/Tehran")
    for tag in ("PC-1", "PC-2"):
        cli.ok("assets", "add", "pc", "--tag", tag, "--serial", f"S{tag}", "--site", "City Hall",
               "--purchase-date", "2015-01-01", "--cost", "12500000")
    listed = cli.ok("report", "write-off", "--format", "csv").out
    assert "PC-1" in listed and "Past economic life".lower() in listed.lower()
    pdf = tmp_path / "wo.pdf"
    cli.ok("assets", "write-off", "WO-7", "PC-1", "PC-2", "--decided-on", "2026-11-30",
           "--committee", "Ayse Kaya", "--committee", "Reza Karimi", "--decision",
           "Beyond repair", "-o", str(pdf), "--lang", "tr")
    text = plain("".join(pages_text(pdf)))
    assert "Terkin tutanağı" in text and "WO-7" in text and "Beyond repair" in text
    assert "PC-1" in text and "PC-2" in text and "ekonomik ömrü" in text
    assert text.count("Komisyon üyesi") == 2 and "Ayse Kaya" in text
    assert "25,000,000" in text  # the batch's purchase cost, totalled
    shown = cli.ok("assets", "show", "PC-1", "--json").json()
    assert shown["status"] == "retired"  # type: ignore[index]
