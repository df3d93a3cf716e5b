"""Preventive maintenance at city scale: planning 20,000 assets and the PM reports.

References, in the same run:
- plan generation vs. SQLAlchemy Core ``executemany`` of the same 20,000 ``pm_task`` rows
  (no policy matching, no spreading, no audit): the floor of writing the plan at all;
- the XLSX report vs. bare openpyxl in write-only mode writing the same typed rows, and
  the CSV report vs. the standard library's ``csv.writer`` on the same rows."""

from __future__ import annotations

import csv
import io
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import delete, insert
from sqlmodel import select

from muniops.collector.reports.config import Calendar, Format, Lang
from muniops.collector.reports.kinds import build
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.render import render
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import migrate, pm
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.models import Asset, AssetKind, AssetStatus, Site
from muniops.inventory.models.pm import PmTask
from muniops.inventory.pm_policy import PmRule, PmSettings
from muniops.lab import postgres

ASSETS = 20_000
SITES = 20
KINDS = [AssetKind.PC] * 6 + [AssetKind.LAPTOP, AssetKind.PRINTER, AssetKind.UPS,
                              AssetKind.SWITCH]
POLICY = PmSettings(max_per_week=700, policies=[
    PmRule(name="network", kinds=[AssetKind.SWITCH, AssetKind.ROUTER], team="network"),
    PmRule(name="power", kinds=[AssetKind.UPS], team="electrical", interval_months=12)])


def timed(func: Callable[[], object]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def seed(db: Database) -> None:
    with db.write() as s:
        s.add_all(Site(name=f"Site {i}", district=f"D{i % 5}",
                       timezone="Asia/Tehran" if i % 2 else "Europe/Istanbul")
                  for i in range(SITES))
    with db.write() as s:
        site_ids = [sid for sid in s.exec(select(Site.id)) if sid]
        s.execute(insert(Asset), [
            {"asset_tag": f"MUN-{i:06d}", "kind": KINDS[i % len(KINDS)],
             "status": AssetStatus.DEPLOYED, "site_id": site_ids[i % SITES],
             "purchase_date": date(2020, 1, 1), "vendor": "", "model": "", "location": "",
             "notes": ""}
            for i in range(ASSETS)])


def plan_figures(db: Database) -> dict[str, float]:
    def plan() -> pm.PlanResult:
        with db.write() as s:
            return pm.sync_plan(s, POLICY, actor="bench")

    first, result = timed(plan)
    assert result.created == ASSETS, result
    steady, again = timed(plan)
    assert again.created == 0
    with db.write() as s:
        refresh, _n = timed(lambda: pm.refresh_states(s))
    with db.read() as s:
        rows = [t.model_dump(exclude={"id"}) for t in s.exec(select(PmTask))]

    def reference() -> None:
        with db.write() as s:
            s.execute(delete(PmTask))
            s.execute(insert(PmTask), rows)

    floor, _ = timed(reference)
    return {"plan": first, "steady": steady, "refresh": refresh, "floor": floor,
            "over_cap_weeks": float(len(result.over_cap))}


def report_figures(db: Database, out: Path) -> dict[str, float]:
    req = ReportRequest(pm=POLICY)
    with db.read() as s:
        t_build, report = timed(lambda: build(s, "pm-schedule", req))
        period = ReportRequest(pm=POLICY, date_from=report.period[0] if report.period else None,
                               date_to=report.period[1] if report.period else None)
        t_completion, _ = timed(lambda: build(s, "pm-completion", period))
    tasks = report.section("tasks")
    en = Presenter()
    fa = Presenter(lang=Lang.FA, calendar=Calendar.JALALI, persian_digits=True)
    t_xlsx, xlsx = timed(lambda: render(report, Format.XLSX, en))
    t_csv, _ = timed(lambda: render(report, Format.CSV, en))
    t_html, _ = timed(lambda: render(report, Format.HTML, fa))
    t_pdf, pdf = timed(lambda: render(report, Format.PDF, fa, section="by_month"))
    (out / "pm-schedule.xlsx").write_bytes(xlsx)
    (out / "pm-schedule-by-month.pdf").write_bytes(pdf)

    def bare_openpyxl() -> bytes:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append([c.key for c in tasks.columns])
        for row in tasks.rows:
            ws.append([v.replace(tzinfo=None) if hasattr(v, "tzinfo") and v else v
                       for v in row])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    def bare_csv() -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([c.key for c in tasks.columns])
        w.writerows(tasks.rows)
        return buf.getvalue()

    ref_xlsx, _ = timed(bare_openpyxl)
    ref_csv, _ = timed(bare_csv)
    return {"rows": float(len(tasks.rows)), "build": t_build, "completion": t_completion,
            "xlsx": t_xlsx, "ref_xlsx": ref_xlsx, "csv": t_csv, "ref_csv": ref_csv,
            "html": t_html, "pdf": t_pdf}


def run(name: str, url: str, out: Path) -> None:
    db = Database(url)
    migrate.upgrade(db.engine)
    seed(db)
    p = plan_figures(db)
    r = report_figures(db, out)
    db.dispose()
    print(f"\n[{name}] {ASSETS:,} assets, {SITES} sites, 3 teams")
    print(f"  {'what':44} {'muniops':>9} {'reference':>10} {'ratio':>6}")
    print(f"  {'plan generation (policy, spreading, audit)':44} {p['plan']:8.2f}s "
          f"{p['floor']:9.2f}s {p['plan'] / p['floor']:5.1f}x  (ref: Core executemany)")
    print(f"  {'plan again, nothing to change (the job)':44} {p['steady']:8.2f}s")
    print(f"  {'refresh due/overdue states':44} {p['refresh']:8.2f}s")
    print(f"  {'weeks over the cap':44} {p['over_cap_weeks']:8.0f}")
    print(f"  {'pm-schedule build':44} {r['build']:8.2f}s   ({r['rows']:,.0f} task rows)")
    print(f"  {'pm-completion build (same 6 months)':44} {r['completion']:8.2f}s")
    print(f"  {'pm-schedule XLSX (typed, filters, 3 sheets)':44} {r['xlsx']:8.2f}s "
          f"{r['ref_xlsx']:9.2f}s {r['xlsx'] / r['ref_xlsx']:5.1f}x  (ref: bare openpyxl)")
    print(f"  {'pm-schedule CSV':44} {r['csv']:8.2f}s {r['ref_csv']:9.2f}s "
          f"{r['csv'] / r['ref_csv']:5.1f}x  (ref: csv.writer)")
    print(f"  {'pm-schedule HTML (fa, jalali)':44} {r['html']:8.2f}s")
    print(f"  {'pm-schedule PDF, monthly section (Chromium)':44} {r['pdf']:8.2f}s")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="muniops-bench-pm-") as tmp:
        out = Path(tmp)
        (out / "sqlite").mkdir()
        run("SQLite", sqlite_url(out / "sqlite"), out)
        if postgres.available():
            with postgres.running_postgres() as base:
                run("PostgreSQL", postgres.create_database(base, "bench_pm"), out)
        else:
            print("PostgreSQL binaries missing: PostgreSQL figures skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
