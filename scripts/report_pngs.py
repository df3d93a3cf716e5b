"""Render the signed documents to PDF and then to PNG (pdftoppm), in English, Persian and
Turkish, so a person can look at them: ``python scripts/report_pngs.py OUT_DIR``.

It builds a small city in a temporary SQLite store (sites in Tehran and Istanbul, people,
assets, a PM plan with visits done and skipped, a receipt and a handover), renders each
document, reads the page numbers back with pdftotext and writes ``<name>-<page>.png``."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import col, select

from muniops.agent.probes import windows
from muniops.collector.reports import build_documents, build_writeoff
from muniops.collector.reports.config import (
    Calendar,
    Lang,
    Organisation,
    ReportSettings,
    Signer,
)
from muniops.collector.reports.files import write_report
from muniops.collector.reports.kinds import build
from muniops.collector.reports.model import Report
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import agents, assets, licences, pm, sites, writeoff
from muniops.inventory.agent_schema import Report as AgentReport
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.licences import LicenceCreate
from muniops.inventory.migrate import upgrade
from muniops.inventory.models import AssetKind, AssetStatus
from muniops.inventory.models.pm import PmTask
from muniops.inventory.pm_policy import PmRule, PmSettings
from muniops.inventory.schemas import AssetCreate, PersonCreate, SiteCreate
from muniops.inventory.software_rules import load_rules
from muniops.inventory.writeoff_policy import WriteOffPolicy

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
XP_SOFTWARE = (Path(__file__).resolve().parent.parent / "tests" / "agent" / "fixtures" / "windows"
               / "registry" / "xp-Uninstall.reg")  # GLPI Agent's recording (its NOTICE.md)
POLICY = PmSettings(default=PmRule(team="hardware", checklist=[
    "clean dust from fans and vents", "check cables and connectors",
    "check health indicators and logs"]), policies=[
    PmRule(name="network", kinds=[AssetKind.SWITCH], team="network")])
SETTINGS = ReportSettings(
    timezone="Asia/Tehran",
    organisation=Organisation(name="Municipality of Region 1", department="IT Department",
                              address="Azadi Sq., Tehran", document_number="IT/{year}/{seq}"),
    signatures={"default": [Signer(role="prepared_by", name="Sara Ahmadi",
                                   title="IT officer"),
                            Signer(role="checked_by"), Signer(role="approved_by",
                                                              title="Head of IT")]})
LANGS = {Lang.EN: Calendar.GREGORIAN, Lang.TR: Calendar.GREGORIAN, Lang.FA: Calendar.JALALI}


def fill(db: Database) -> None:
    with db.write() as s:
        for name, district, tz in (("City Hall", "Center", "Asia/Tehran"),
                                   ("District 1 Office", "D1", "Asia/Tehran"),
                                   ("Kadikoy Office", "Kadikoy", "Europe/Istanbul")):
            sites.add_site(s, SiteCreate(name=name, district=district, timezone=tz), actor="demo")
        for name, eid in (("Reza Karimi", "E100"), ("Ayse Yilmaz", "E200")):
            sites.add_person(s, PersonCreate(name=name, employee_id=eid, department="Finance",
                                             site="City Hall"), actor="demo")
        n = 0
        for site, kind, count, bought in (("City Hall", AssetKind.PC, 14, date(2018, 3, 1)),
                                          ("District 1 Office", AssetKind.PC, 9, date(2022, 5, 1)),
                                          ("Kadikoy Office", AssetKind.LAPTOP, 6, date(2024, 1, 9)),
                                          ("City Hall", AssetKind.SWITCH, 3, date(2019, 7, 1))):
            for _ in range(count):
                n += 1
                assets.add_asset(s, AssetCreate(
                    asset_tag=f"TAG-{n:04d}", serial=f"SN{n:06d}", kind=kind, site=site,
                    vendor="Dell" if kind != AssetKind.SWITCH else "Cisco",
                    model="OptiPlex 7010" if kind == AssetKind.PC else "C2960",
                    purchase_date=bought, status=AssetStatus.DEPLOYED), actor="demo")
    with db.write() as s:
        pm.sync_plan(s, POLICY, actor="demo", now=datetime(2026, 6, 1, tzinfo=UTC))
        tasks = list(s.exec(select(PmTask).order_by(col(PmTask.due_date), col(PmTask.id))))
    with db.write() as s:
        for i, task in enumerate(tasks[:30]):
            if i % 5 == 4:
                pm.skip(s, task.id or 0, "office closed", actor="demo", settings=POLICY,
                        now=NOW)
            elif i % 3:
                pm.complete(s, task.id or 0, POLICY, performed_by="Reza", actor="demo",
                            failed={"1": "fan noisy"} if i % 4 == 0 else None, now=NOW)
        for tag in ("TAG-0001", "TAG-0002", "TAG-0003"):
            assets.assign(s, assets.get_asset(s, tag), "E100", actor="demo", condition="good")
    with db.write() as s:
        assets.person_leaves(s, "E100", actor="demo", hand_to="E200")
    with db.write() as s:
        licences.add_licence(s, LicenceCreate(product="ms-office", seats=1, version="2010",
                                              expires_on=date(2027, 1, 15)),
                             load_rules(), actor="demo")
        writeoff.create_batch(s, writeoff.BatchCreate(
            number="WO-1405-07", decided_on=date(2026, 11, 30),
            committee=["Ali Rahimi", "Mina Kaya", "Hasan Demir"],
            decision="Beyond economic repair; parts kept for reuse.",
            assets=["TAG-0010", "TAG-0011", "TAG-0012"]), WriteOffPolicy(), NOW.date(),
            actor="demo")
    with db.write() as s:
        secret = agents.create_enrollment_secret(s, "City Hall", actor="demo")[1]
    keys = windows.parse_reg_export(XP_SOFTWARE.read_bytes().decode("utf-16"))
    software = [{k: v for k, v in p.items() if k in ("name", "version", "publisher")}
                for p in windows.software(windows.Recorded(registry=keys))]
    for n in (4, 5):  # two PCs report the recorded Windows XP software list
        with db.write() as s:
            agent, _ = agents.enroll(s, secret, f"pc-{n}")
            agents.ingest(s, agent, AgentReport.model_validate({
                "schema_version": 1, "report_id": str(uuid.uuid4()), "kind": "full",
                "agent_version": "demo", "created_at": NOW.isoformat(),
                "host": {"hostname": f"pc-{n}"},
                "identity": {"hostname": f"pc-{n}", "serial": f"SN{n:06d}"},
                "os": {"family": "windows"}, "software": software,
                "network": [{"name": "eth0", "mac": f"00:11:22:33:44:{n:02x}", "up": True}]}))


def documents(db: Database, cal: Calendar) -> dict[str, Report]:
    req = ReportRequest(settings=SETTINGS, pm=POLICY, calendar=cal, now=NOW)
    with db.read() as s:
        out = {k: build(s, k, req) for k in ("pm-completion", "pm-schedule", "assets",
                                             "antivirus")}
        out["receipt"] = build_documents.assignment_receipt(s, ["TAG-0001", "TAG-0002",
                                                                "TAG-0003"], req)
        out["handover"] = build_documents.handover_list(s, req, "E100")
        out["licences"] = build(s, "licences", req)
        out["write-off"] = build_writeoff.batch_list(s, "WO-1405-07", req)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", nargs="*", default=None, help="document names")
    parser.add_argument("--lang", nargs="*", default=None, help="en, fa, tr")
    parser.add_argument("--resolution", type=int, default=60, help="PNG pixels per inch")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(sqlite_url(Path(tmp) / "city.db"))
        upgrade(db.engine)
        fill(db)
        for lang, cal in LANGS.items():
            if args.lang and lang.value not in args.lang:
                continue
            p = Presenter.of(SETTINGS, lang=lang, calendar=cal, persian_digits=lang == Lang.FA)
            for name, report in documents(db, cal).items():
                if args.only and name not in args.only:
                    continue
                pdf = args.out / f"{name}-{lang.value}.pdf"
                write_report(report, pdf, p)
                subprocess.run(["pdftoppm", "-png", "-r", str(args.resolution), str(pdf),
                                str(args.out / f"{name}-{lang.value}")], check=True)
                text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                                      capture_output=True, text=True).stdout
                pages = text.count("\f")
                print(f"{pdf.name}: {pages} page(s)")
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
