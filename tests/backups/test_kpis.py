"""Performance indicators on a store built here with known events, tasks, tickets, backups
and unknown devices over three bi-weekly periods: every figure is the one worked out by
hand below, the committee's report shows the same, and the recording rules read back from
a real Prometheus scraping the indicator metrics give the report's numbers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlmodel import Session, col, select

from muniops.collector.kpi.figures import ALL, Figure, figures
from muniops.collector.kpi.metrics import KpiMetrics
from muniops.collector.kpi.periods import period_of, periods_until
from muniops.collector.kpi.runtime import snapshot
from muniops.collector.reports.config import Calendar
from muniops.collector.reports.kinds import build
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import kpis
from muniops.inventory.agent_policy import AntivirusPolicy
from muniops.inventory.backup_policy import BackupSettings
from muniops.inventory.db import Database
from muniops.inventory.kpi_policy import KpiSettings
from muniops.inventory.models import Asset, AssetKind, AssetStatus, RepairTicket, Site
from muniops.inventory.models.backups import BackupSample, BackupStatus, KpiSample
from muniops.inventory.models.devices import Device
from muniops.inventory.models.discovery import UnknownDevice
from muniops.inventory.models.pm import PmState, PmTask
from muniops.inventory.models.snmp import SnmpEvent, SnmpEventKind
from muniops.inventory.scope import Scope
from muniops.lab import prometheus
from muniops.lab.net import free_port, wait_until

# three bi-weekly periods: P1 11-14..11-27, P2 11-28..12-11, P3 12-12..12-25 (UTC days)
KPIS = KpiSettings.model_validate({
    "biweekly_anchor": "2026-11-14", "indicators": [
        {"name": "pm_completion", "target": 0.9},
        {"name": "repair_turnaround_days", "target": 10},
        {"name": "warranty_vendor_days", "target": 14},
        {"name": "device_availability", "target": 0.99},
        {"name": "link_availability", "target": 0.98},
        {"name": "antivirus_compliance", "target": 0.95},
        {"name": "backup_success", "target": 0.95},
        {"name": "unknown_resolved", "target": 0.8, "within_days": 7},
    ]})
BACKUPS = BackupSettings.model_validate({"policies": [
    {"name": "oa", "source": "restic", "path": "/srv/restic", "every_hours": 24,
     "applies_to": {"sites": ["City Hall"]}}]})
CTX = kpis.Context(KPIS, BACKUPS, AntivirusPolicy())
NOW = datetime(2026, 12, 26, 0, 0, tzinfo=UTC)  # the end of P3
P3_DAY = date(2026, 12, 20)
H = 3600.0


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _fill(s: Session) -> None:
    ch = Site(name="City Hall", district="Center")
    north = Site(name="North Office", district="North")
    s.add_all([ch, north])
    s.flush()
    a1 = Asset(asset_tag="SRV-1", kind=AssetKind.SERVER, status=AssetStatus.DEPLOYED,
               site_id=ch.id)
    a2 = Asset(asset_tag="PC-2", kind=AssetKind.PC, status=AssetStatus.DEPLOYED,
               site_id=north.id)
    s.add_all([a1, a2])
    s.flush()
    assert a1.id and a2.id
    # PM: P1 CH 1/1, N 1/1; P2 CH 1/2, N 1/1; P3 CH 2/2, N 1/2
    for asset, due, state in [(a1, "2026-11-15", PmState.DONE), (a2, "2026-11-20", PmState.DONE),
                              (a1, "2026-11-30", PmState.DONE),
                              (a1, "2026-12-05", PmState.OVERDUE),
                              (a2, "2026-12-01", PmState.DONE), (a1, "2026-12-13", PmState.DONE),
                              (a1, "2026-12-14", PmState.DONE),
                              (a2, "2026-12-15", PmState.SKIPPED),
                              (a2, "2026-12-16", PmState.DONE)]:
        s.add(PmTask(asset_id=asset.id or 0, policy="default", team="hardware",
                     due_date=date.fromisoformat(due), state=state))
    # repairs: P3 CH 12 days (warranty), N 4 days; P2 CH 10 days; one still open
    for asset, sent, back, warranty in [(a1, "2026-12-01", "2026-12-13", True),
                                        (a2, "2026-12-10", "2026-12-14", False),
                                        (a1, "2026-11-20", "2026-11-30", True),
                                        (a2, "2026-12-20", None, True)]:
        s.add(RepairTicket(asset_id=asset.id or 0, part="disk", vendor="V",
                           sent_at=at(sent), returned_at=at(back) if back else None,
                           under_warranty=warranty, previous_status=AssetStatus.DEPLOYED))
    # devices: D1 (CH) down 11-12 18:00 → 12-12 06:00 and 12-14 00:00 → 12:00;
    # D2 (North) added 12-19, never down
    d1 = Device(name="sw-ch", address="10.0.0.1", snmp_credential="c", site_id=ch.id,
                    created_at=at("2026-11-01T00:00"))
    d2 = Device(name="sw-n", address="10.0.0.2", snmp_credential="c", site_id=north.id,
                    created_at=at("2026-12-19T00:00"))
    s.add_all([d1, d2])
    s.flush()
    for when, kind in [("2026-12-11T18:00", SnmpEventKind.UNREACHABLE),
                       ("2026-12-12T06:00", SnmpEventKind.REACHABLE),
                       ("2026-12-13T08:00", SnmpEventKind.REBOOT),  # not an outage
                       ("2026-12-14T00:00", SnmpEventKind.UNREACHABLE),
                       ("2026-12-14T12:00", SnmpEventKind.REACHABLE)]:
        s.add(SnmpEvent(device_id=d1.id or 0, at=at(when), kind=kind))
    # a link first sampled 11-20, down 12-13 00:00 → 06:00; a host's antivirus good
    # from 11-28, failing from 12-19
    for indicator, subject, when, good in [
            ("link", "ch-north", "2026-11-20T00:00", True),
            ("link", "ch-north", "2026-12-13T00:00", False),
            ("link", "ch-north", "2026-12-13T06:00", True),
            ("antivirus", "asset-1", "2026-11-28T00:00", True),
            ("antivirus", "asset-1", "2026-12-19T00:00", False)]:
        s.add(KpiSample(indicator=indicator, subject=subject, site_id=ch.id, at=at(when),
                        good=good))
    # backups of SRV-1: every day of P2; in P3 all but 12-15 and 12-20, twice on 12-13
    s.add(BackupStatus(asset_id=a1.id, name="oa", source="restic", status="found",
                       checked_at=NOW))
    days = [date(2026, 11, 28) + timedelta(days=n) for n in range(28)]
    made = [datetime(d.year, d.month, d.day, 23, 0, tzinfo=UTC) for d in days
            if d not in (date(2026, 12, 15), date(2026, 12, 20))]
    made.append(at("2026-12-13T23:30"))
    s.add_all(BackupSample(asset_id=a1.id, name="oa", made_at=m, size_bytes=1) for m in made)
    # unknown devices first seen in P3: CH resolved in 3 days, CH in 12, North never
    for mac, site, first, decided in [("02:00:00:00:00:01", "City Hall", "2026-12-12T10:00",
                                       "2026-12-15T10:00"),
                                      ("02:00:00:00:00:02", "City Hall", "2026-12-13T00:00",
                                       "2026-12-25T00:00"),
                                      ("02:00:00:00:00:03", "North Office", "2026-12-20T00:00",
                                       None)]:
        s.add(UnknownDevice(mac=mac, site=site, first_seen=at(first),
                            decided_at=at(decided) if decided else None))


# (indicator, district, site) → actual in P3, worked out by hand from _fill
EXPECTED_P3 = {
    ("pm_completion", ALL, None): 3 / 4,
    ("pm_completion", "Center", "City Hall"): 2 / 2,
    ("pm_completion", "North", None): 1 / 2,
    ("repair_turnaround_days", ALL, None): (12 + 4) / 2,
    ("repair_turnaround_days", "North", "North Office"): 4.0,
    ("warranty_vendor_days", ALL, None): 12.0,
    # D1: 336 h known, 6 + 12 h down; D2: 168 h known, up
    ("device_availability", "Center", "City Hall"): (336 - 18) / 336,
    ("device_availability", "North", "North Office"): 1.0,
    ("device_availability", ALL, None): (318 + 168) / (336 + 168),
    ("link_availability", ALL, None): (336 - 6) / 336,
    ("antivirus_compliance", ALL, None): 7 / 14,
    ("backup_success", ALL, None): 12 / 14,
    ("unknown_resolved", ALL, None): 1 / 3,
    ("unknown_resolved", "Center", "City Hall"): 1 / 2,
    ("unknown_resolved", "North", "North Office"): 0 / 1,
}
PREVIOUS_P2 = {
    "pm_completion": 2 / 3, "repair_turnaround_days": 10.0, "warranty_vendor_days": 10.0,
    "device_availability": (336 - 6) / 336,  # D2 did not exist yet: nothing known
    "link_availability": 1.0, "antivirus_compliance": 1.0, "backup_success": 1.0,
    "unknown_resolved": None,
}


@pytest.fixture
def store(db: Database) -> Database:
    with db.write() as s:
        _fill(s)
    return db


def _by_key(rows: list[Figure]) -> dict[tuple[str, str, str | None], Figure]:
    return {(f.indicator, f.district, f.site): f for f in rows}


def test_periods_gregorian_and_jalali() -> None:
    assert period_of("biweekly", P3_DAY, KPIS) == (date(2026, 12, 12), date(2026, 12, 26))
    assert period_of("two-monthly", P3_DAY, KPIS) == (date(2026, 11, 1), date(2027, 1, 1))
    assert period_of("six-monthly", P3_DAY, KPIS) == (date(2026, 7, 1), date(2027, 1, 1))
    jalali = KPIS.model_copy(update={"calendar": "jalali"})
    # 1405-09-29: the two-monthly period is Azar–Dey (months 9–10), 1405-09-01 to 1405-11-01
    assert period_of("two-monthly", P3_DAY, jalali) == (date(2026, 11, 22), date(2027, 1, 21))
    # the first half of the Jalali year is Farvardin–Shahrivar (1405-01-01 = 2026-03-21)
    assert period_of("six-monthly", date(2026, 9, 1), jalali) == (date(2026, 3, 21),
                                                                  date(2026, 9, 23))
    assert periods_until("biweekly", P3_DAY, KPIS, 3)[0] == (date(2026, 11, 14),
                                                            date(2026, 11, 28))


def test_every_figure_is_the_hand_computed_one(store: Database) -> None:
    with store.read() as s:
        rows = _by_key(figures(s, KPIS, CTX, "biweekly", P3_DAY, NOW))
    for key, expected in EXPECTED_P3.items():
        assert rows[key].actual == pytest.approx(expected), key
    for name, previous in PREVIOUS_P2.items():
        fig = rows[(name, ALL, None)]
        assert fig.previous == (pytest.approx(previous) if previous is not None else None), name
        if previous is not None and fig.actual is not None:
            assert fig.change == pytest.approx(fig.actual - previous)
    assert rows[("pm_completion", ALL, None)].met is False  # 75 % < 90 %
    assert rows[("repair_turnaround_days", ALL, None)].met is True  # 8 days ≤ 10
    assert rows[("link_availability", ALL, None)].met is True  # 98.2 % ≥ 98 %
    assert rows[("device_availability", "North", "North Office")].met is True
    assert rows[("pm_completion", ALL, None)].denominator == 4


def test_a_liaison_sees_only_their_district(store: Database) -> None:
    with store.read() as s:
        rows = figures(s, KPIS, CTX, "biweekly", P3_DAY, NOW, Scope(district="North"))
    assert {f.district for f in rows} == {"North"}
    assert _by_key(rows)[("pm_completion", "North", None)].actual == 0.5


def _report_numbers(store: Database) -> dict[tuple[str, str], float | None]:
    req = ReportRequest(kpis=KPIS, backups=BACKUPS, now=NOW, date_from=P3_DAY,
                        period="biweekly", calendar=Calendar.GREGORIAN)
    with store.read() as s:
        report = build(s, "kpis", req)
    assert report.period == (date(2026, 12, 12), date(2026, 12, 25))
    out: dict[tuple[str, str], float | None] = {}
    for row in report.section("kpi_municipality").rows:
        out[(row[0], ALL)] = row[3]
    for row in report.section("kpi_districts").rows:
        if not row[2]:
            out[(row[0], row[1])] = row[5]
    history = [r for r in report.section("kpi_history").rows if r[0] == "pm_completion"]
    assert [r[4] for r in history] == [100.0, 66.67, 75.0]  # P1, P2, P3, in percent
    # a chart per indicator across the periods: achieved beside the target
    charts = {c.key: c for c in report.charts}
    assert set(charts) == {r[0] for r in report.section("kpi_history").rows}
    pm = dict(charts["pm_completion"].series)
    assert pm["actual"] == [100.0, 66.67, 75.0]
    assert len(pm["target"]) == 3
    return out


def test_report_shows_the_figures_in_percent_and_days(store: Database) -> None:
    numbers = _report_numbers(store)
    assert numbers[("pm_completion", ALL)] == 75.0
    assert numbers[("repair_turnaround_days", ALL)] == 8.0
    assert numbers[("device_availability", ALL)] == round(100 * 486 / 504, 2)
    assert numbers[("unknown_resolved", "Center")] == 50.0


class _Exposition(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def exposition(store: Database) -> Iterator[str]:
    """The indicator metrics the collector's job would expose for P3, served on loopback."""
    metrics = KpiMetrics(KPIS)
    with store.read() as s:
        metrics.update(snapshot(s, KPIS, CTX, P3_DAY, NOW), KPIS)
    registry = CollectorRegistry()
    registry.register(metrics)
    handler = type("Handler", (_Exposition,), {"body": generate_latest(registry)})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(not prometheus.available(), reason="Debian's prometheus is not installed")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_recording_rules_in_a_real_prometheus_equal_the_report(store: Database,
                                                               exposition: str) -> None:
    numbers = _report_numbers(store)
    rules = [prometheus.SHIPPED / "rules" / "kpi.yml"]
    with prometheus.running_prometheus(prometheus.scrape_config(
            [exposition], rule_files=rules, interval="1s"), rule_files=rules) as prom:
        wait_until(lambda: bool(prom.query('muniops:kpi_actual:municipality{period="biweekly"}')),
                   timeout=30, what="the KPI recording rules")
        overall = {r["metric"]["indicator"]: float(r["value"][1]) for r in prom.query(
            'muniops:kpi_actual:municipality{period="biweekly"}')}
        district = {(r["metric"]["indicator"], r["metric"]["district"]): float(r["value"][1])
                    for r in prom.query('muniops:kpi_actual:district{period="biweekly"}')}
        met = {r["metric"]["indicator"]: float(r["value"][1]) for r in prom.query(
            'muniops:kpi_met:municipality{period="biweekly"}')}
    checked = 0
    for (indicator, where), shown in numbers.items():
        value = overall.get(indicator) if where == ALL else district.get((indicator, where))
        if shown is None:
            continue
        assert value is not None, (indicator, where)
        scale = 1 if indicator.endswith("_days") else 100
        assert round(value * scale, 2) == shown, (indicator, where)
        checked += 1
    assert checked >= len(KPIS.indicators) + 4
    assert met["pm_completion"] == 0 and met["repair_turnaround_days"] == 1


def test_state_changes_are_sampled_once(sqlite_db: Database) -> None:
    from muniops.inventory.models import HostFacts
    from muniops.inventory.models.configs import ConfigBackupState
    from muniops.inventory.models.snmp import LinkState, WirelessLink

    t0 = at("2026-12-01T00:00")
    with sqlite_db.write() as s:
        site = Site(name="City Hall", district="Center")
        s.add(site)
        s.flush()
        s.add(WirelessLink(name="ch-north", site_a="City Hall", device_a="a", device_b="b",
                           state=LinkState.OK))
        s.add(ConfigBackupState(device="sw-1", site="City Hall", last_success_at=t0))
        pc = Asset(asset_tag="PC-1", kind=AssetKind.PC, site_id=site.id)
        s.add(pc)
        s.flush()
        s.add(HostFacts(asset_id=pc.id or 0, reported_at=t0, facts={"os": {"family": "linux"}},
                        antivirus={"state": "found", "products": [
                            {"product": "ClamAV", "enabled": True,
                             "signature_time": t0.isoformat()}]}))
    with sqlite_db.write() as s:
        assert kpis.sample_states(s, CTX, t0) == 3
    with sqlite_db.write() as s:
        assert kpis.sample_states(s, CTX, t0 + timedelta(minutes=5)) == 0  # unchanged
        link = s.get(WirelessLink, 1)
        assert link is not None
        link.state = LinkState.DOWN
        s.add(link)
    with sqlite_db.write() as s:
        assert kpis.sample_states(s, CTX, t0 + timedelta(minutes=10)) == 1
    with sqlite_db.read() as s:
        found = kpis.compute(s, KPIS.indicators[4], kpis.Window(
            date(2026, 12, 1), date(2026, 12, 2), "UTC", t0 + timedelta(minutes=20)), CTX)
    (tally,) = found.values()
    assert (tally.num, tally.den) == (600.0, 1200.0)  # up 10 minutes of 20
    # four days on, the signatures are too old and the configuration backup is stale
    with sqlite_db.write() as s:
        assert kpis.sample_states(s, CTX, t0 + timedelta(days=4)) == 2
    with sqlite_db.read() as s:
        goods = [(r.indicator, r.good) for r in s.exec(
            select(KpiSample).order_by(col(KpiSample.id)))]
    assert goods[:3] == [("link", True), ("antivirus", True), ("config_backup", True)]
    assert sorted(goods[4:]) == [("antivirus", False), ("config_backup", False)]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_committee_report_in_every_format(store: Database) -> None:
    from muniops.collector.reports.config import Format, Lang
    from muniops.collector.reports.pdf import PdfUnavailable
    from muniops.collector.reports.present import Presenter
    from muniops.collector.reports.render import render

    req = ReportRequest(kpis=KPIS, backups=BACKUPS, now=NOW, date_from=P3_DAY,
                        period="biweekly")
    with store.read() as s:
        report = build(s, "kpis", req)
    for fmt in Format:
        try:
            data = render(report, fmt, Presenter(lang=Lang.EN))
        except PdfUnavailable:
            continue
        assert data, fmt
        if fmt in (Format.CSV, Format.HTML, Format.TABLE):
            text = data.decode()
            assert "PM completion" in text and "75" in text, fmt
        elif fmt == Format.PDF:
            assert data.startswith(b"%PDF")
    persian = render(report, Format.HTML, Presenter(lang=Lang.FA, calendar=Calendar.JALALI,
                                                    persian_digits=True)).decode()
    assert "شاخص‌های عملکرد" in persian and "۷۵" in persian
