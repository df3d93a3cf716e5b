"""The licence register matched against real software lists: the recorded Windows
Uninstall exports (GLPI Agent's recordings, in tests/agent/fixtures) and this machine's
own agent report (dpkg), ingested as agents report them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlmodel import select

from muniops.agent import report as agent_report
from muniops.agent.probes import windows
from muniops.collector.licences.metrics import LicenceMetrics
from muniops.collector.reports.config import Format, Lang
from muniops.collector.reports.kinds import build
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.render import render
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import agents, licences, sites
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database
from muniops.inventory.errors import Conflict, InvalidInput
from muniops.inventory.licences import LicenceCreate
from muniops.inventory.models import AuditEntry
from muniops.inventory.schemas import SiteCreate
from muniops.inventory.scope import Scope
from muniops.inventory.software_rules import LicenceSettings, classify, load_rules, normalise
from muniops.inventory.types import utcnow

REGISTRY = Path(__file__).resolve().parents[1] / "agent" / "fixtures" / "windows" / "registry"
RULES = load_rules()
TODAY = utcnow().date()
KEY = "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY"


def _recorded(name: str) -> list[dict[str, Any]]:
    keys = windows.parse_reg_export((REGISTRY / name).read_bytes().decode("utf-16"))
    return [{k: v for k, v in s.items() if k in ("name", "version", "publisher")}
            for s in windows.software(windows.Recorded(registry=keys))]


def _report(host: str, n: int, software: list[dict[str, Any]], family: str) -> Report:
    return Report.model_validate({
        "schema_version": 1, "report_id": str(uuid.uuid4()), "kind": "full",
        "agent_version": "test", "created_at": datetime.now(UTC).isoformat(),
        "host": {"hostname": host},
        "identity": {"hostname": host, "serial": f"SER{n:03d}"},
        "os": {"family": family, "name": family},
        "network": [{"name": "eth0", "mac": f"00:11:22:33:44:{n:02x}", "up": True}],
        "software": software, "antivirus": {"state": "none", "products": []}})


HOSTS = {"xp-pc": "xp-Uninstall.reg", "sql-srv": "mssql-Uninstall.reg",
         "ru-pc": "10_russian-Uninstall.reg", "xp-pc2": "xp-Uninstall.reg"}


@pytest.fixture
def fleet(db: Database) -> Database:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center"), actor="t")
        secret = agents.create_enrollment_secret(s, "City Hall", actor="t")[1]
    this_machine = agent_report.gather(only={"software": agent_report.probes()["software"]})
    for n, (host, recording) in enumerate(HOSTS.items(), start=1):
        with db.write() as s:
            agent, _ = agents.enroll(s, secret, host)
            agents.ingest(s, agent, _report(host, n, _recorded(recording), "windows"))
    with db.write() as s:
        agent, _ = agents.enroll(s, secret, "this-machine")
        agents.ingest(s, agent, _report("this-machine", 9, this_machine["software"], "linux"))
    return db


def _add(s: Any, product: str, seats: int, **kw: Any) -> int:
    return licences.add_licence(s, LicenceCreate(product=product, seats=seats, **kw), RULES,
                                actor="t").id or 0


def test_names_are_normalised_before_matching() -> None:
    assert normalise("Mozilla Firefox 10.0.2 (x86 en-US)") == "mozilla firefox 10.0.2"
    assert normalise("Java(TM) 6 Update 31") == "java 6 update 31"
    office = classify(RULES, "Microsoft Office Professional Plus 2010", "14.0.6029.1000")
    assert office and (office.product, office.version, office.edition) == (
        "ms-office", "2010", "professional plus")
    sql = classify(RULES, "Microsoft SQL Server 2017", "17.77.6700.34")
    assert sql and (sql.product, sql.version) == ("ms-sql-server", "2017")
    assert classify(RULES, "Totally Unknown Tool", "1") is None


def test_licences_against_recorded_windows_and_this_machine(fleet: Database) -> None:
    with fleet.write() as s:
        office = _add(s, "ms-office", 1, version="2010", key=SecretStr(KEY))
        licences.assign_licence(s, office, actor="t", asset="SER001")  # xp-pc
        _add(s, "ms-sql-server", 2, version="2017")
        _add(s, "ms-sql-server", 1)  # any version: covers one of 2005/2008
        _add(s, "symantec-endpoint", 5, expires_on=TODAY + timedelta(days=20))
        _add(s, "exceed", 5, expires_on=TODAY - timedelta(days=3))  # ended: covers nothing
    with fleet.read() as s:
        result = licences.check(s, RULES, TODAY, expiring_days=60)
    assert result.hosts == 5 and result.unknown_packages > 100  # this machine's dpkg list
    unlicensed = {(i.asset, i.product, i.version) for i in result.unlicensed}
    # Office 2010 on both XP PCs, one seat assigned to the first: the second has none
    assert ("SER004", "ms-office", "2010") in unlicensed
    assert not any(a == "SER001" and p == "ms-office" for a, p, _v in unlicensed)
    # three SQL Server versions on one host: 2017 by its licence, one by "any", one left
    assert sum(1 for _a, p, _v in unlicensed if p == "ms-sql-server") == 1
    assert ("SER002", "ms-sql-server", "2017") not in unlicensed
    assert ("SER004", "exceed", "11") in unlicensed  # its licence ended 3 days ago
    assert {("SER003", "cryptopro-csp"), ("SER003", "1c-enterprise")} <= {
        (a, p) for a, p, _v in unlicensed}
    assert not any(a == "SER009" for a, _p, _v in unlicensed)  # free software only here
    products = result.products
    assert (products["ms-office"].installs, products["ms-office"].seats) == (2, 1)
    over = {p.product for p in result.over_deployed()}
    assert {"ms-office", "exceed"} <= over  # exceed: its only licence has ended
    assert "symantec-endpoint" not in over and "ms-sql-server" not in over  # 2 of 5, 3 of 3
    denied = {(i.asset, i.product) for i in result.denied}
    assert {("SER001", "ccleaner"), ("SER001", "k-lite-codecs"),
            ("SER001", "flash-player")} <= denied
    assert [(lic.product, d) for lic, d in result.expiring] == [("exceed", -3),
                                                               ("symantec-endpoint", 20)]
    with fleet.read() as s:  # a liaison sees the hosts of their district only
        assert licences.check(s, RULES, TODAY, scope=Scope("Center")).hosts == 5
        elsewhere = licences.check(s, RULES, TODAY, scope=Scope("D2"))
    assert (elsewhere.hosts, elsewhere.unlicensed, elsewhere.denied) == (0, [], [])


def test_key_is_kept_like_a_credential(fleet: Database) -> None:
    with fleet.write() as s:
        number = _add(s, "ms-office", 3, key=SecretStr(KEY))
    with fleet.read() as s:
        listed = licences.list_licences(s)
        entries = list(s.exec(select(AuditEntry)))
        report = build(s, "licences", ReportRequest(licences=LicenceSettings()))
    assert listed[0].has_key and KEY not in listed[0].model_dump_json()
    assert all(KEY not in str(e.after) + str(e.before) for e in entries)
    page = render(report, Format.HTML, Presenter(lang=Lang.FA)).decode()
    assert KEY not in page
    with fleet.write() as s:
        assert licences.reveal_key(s, number, actor="admin-x") == KEY
    with fleet.read() as s:
        read = s.exec(select(AuditEntry).where(AuditEntry.action == "licence.key_read")).one()
    assert read.actor == "admin-x" and KEY not in str(read.after)
    assert KEY not in repr(LicenceCreate(product="ms-office", seats=1, key=SecretStr(KEY)))


def test_bad_licences_are_refused(fleet: Database) -> None:
    with pytest.raises(InvalidInput, match="not in the product rule file"), fleet.write() as s:
        _add(s, "office-from-a-flea-market", 1)
    with fleet.write() as s:
        number = _add(s, "ms-office", 1)
        licences.assign_licence(s, number, actor="t", asset="SER001")
    with pytest.raises(Conflict, match="all assigned"), fleet.write() as s:
        licences.assign_licence(s, number, actor="t", asset="SER004")
    with pytest.raises(ValueError, match="before purchase_date"):
        LicenceCreate(product="ms-office", seats=1, purchase_date=date(2026, 2, 1),
                      expires_on=date(2026, 1, 1))


def test_report_and_metrics(fleet: Database) -> None:
    with fleet.write() as s:
        _add(s, "ms-office", 1, expires_on=TODAY + timedelta(days=10))
    with fleet.read() as s:
        report = build(s, "licences", ReportRequest(licences=LicenceSettings()))
    summary = {k: v for k, v, _t in report.summary}
    assert summary["unlicensed_installs"] == len(report.section("unlicensed_installs").rows)
    assert summary["denied_software"] >= 6 and summary["licences_expiring"] == 1
    text = render(report, Format.HTML, Presenter(lang=Lang.TR)).decode()
    assert "Lisanssız kurulumlar" in text and "<svg" in text
    registry = CollectorRegistry()
    registry.register(LicenceMetrics(fleet, LicenceSettings()))
    assert registry.get_sample_value("muniops_licence_seats", {"product": "ms-office"}) == 1
    assert registry.get_sample_value("muniops_licence_installs", {"product": "ms-office"}) == 2
    assert registry.get_sample_value("muniops_software_unlicensed_installs",
                                     {"product": "ms-office"}) == 1
    assert registry.get_sample_value("muniops_software_denied_installs",
                                     {"product": "ccleaner", "site": "City Hall"}) == 2
    end = registry.get_sample_value("muniops_licence_end_timestamp_seconds",
                                    {"licence": "1", "product": "ms-office"})
    last_day = TODAY + timedelta(days=10)
    assert end == datetime(last_day.year, last_day.month, last_day.day, tzinfo=UTC).timestamp() \
        + 86400


def test_cli_and_api_keep_the_key_apart(sqlite_db: Database, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from fastapi.testclient import TestClient

    from muniops.collector.core.service import Collector
    from muniops.collector.core.settings import Settings
    from muniops.inventory import tokens
    from muniops.inventory.models import Role
    from tests.conftest import Cli

    config = tmp_path / "muniops.yaml"
    config.write_text(f"data_dir: {tmp_path}\ndatabase_url: '{sqlite_db.url}'\n")
    cli = Cli(capsys, config)
    key_file = tmp_path / "key.txt"
    key_file.write_text(KEY + "\n")
    added = cli.ok("licences", "add", "ms-office", "--seats", "2", "--version", "2021",
                   "--key-file", str(key_file), "--json").json()
    listed = cli.ok("licences", "list", "--json")
    assert KEY not in listed.out and '"has_key": true' in listed.out
    bad = cli("licences", "add", "ms-offic", "--seats", "1")
    assert bad.code == 5 and "not in the product rule file" in bad.err
    with sqlite_db.write() as s:
        headers = {role: {"Authorization": "Bearer " + tokens.create_token(
            s, role.value, role, actor="t")[1]} for role in (Role.ADMIN, Role.VIEWER)}
    number = added["id"]  # type: ignore[index]
    with TestClient(Collector(Settings(database_url=sqlite_db.url), sqlite_db).app) as api:
        assert KEY not in api.get("/api/v1/licences", headers=headers[Role.VIEWER]).text
        url = f"/api/v1/licences/{number}/key"
        assert api.get(url, headers=headers[Role.VIEWER]).status_code == 403
        assert api.get(url, headers=headers[Role.ADMIN]).json()["key"] == KEY
        check = api.get("/api/v1/licences/check", headers=headers[Role.VIEWER])
        assert check.status_code == 200 and check.json()["hosts"] == 0
    assert cli.ok("licences", "key", str(number)).out.strip() == KEY
