"""Reports, read back the way their readers read them: openpyxl for XLSX, an HTML parser,
the text of the PDF (pdftotext), the csv module."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from muniops.collector.reports import pdf
from muniops.collector.reports.config import Calendar, Format, Lang, ReportSettings
from muniops.collector.reports.i18n import LABELS
from muniops.collector.reports.kinds import REPORTS, build
from muniops.collector.reports.model import ColumnType, Report
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.render import render
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import pm, repairs
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.migrate import upgrade
from muniops.inventory.models import AssetKind
from muniops.inventory.models.pm import PmTask
from muniops.inventory.schemas import RepairOpen
from muniops.inventory.types import utcnow
from tests.pm.conftest import NOW, policy

PERSIAN = re.compile("[۰-۹]")


def _fill(db: Database) -> None:
    """Plan at NOW, do one PM (with a repair), skip one, open a warranty repair."""
    with db.write() as s:
        pm.sync_plan(s, policy(), actor="t", now=NOW)
        tasks = list(s.exec(select(PmTask).order_by(col(PmTask.due_date), col(PmTask.id))))
    with db.write() as s:
        pm.complete(s, tasks[0].id or 0, policy(), performed_by="Reza", actor="t",
                    failed={"1": "fan noisy"}, now=NOW)
        pm.skip(s, tasks[1].id or 0, "site closed", actor="t", settings=policy(), now=NOW)
        repairs.open_ticket(s, "SW-1", RepairOpen(part="PSU", vendor="Cisco"), actor="t")


def _req(**kw: object) -> ReportRequest:
    kw.setdefault("now", NOW)
    kw.setdefault("pm", policy())
    return ReportRequest(**kw)  # type: ignore[arg-type]


@pytest.fixture
def filled(city: Database) -> Database:
    _fill(city)
    return city


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Every report kind built once from a small city on SQLite, for the format tests."""
    from tests.pm.conftest import add, add_sites

    db = Database(sqlite_url(tmp_path_factory.mktemp("reports")))
    upgrade(db.engine)
    with db.write() as s:
        add_sites(s)
        add(s, "PC-1", warranty_end=date(2026, 2, 1), purchase_date=date(2018, 1, 10))
        add(s, "PC-2", site="Kadikoy Office")
        add(s, "SW-1", kind=AssetKind.SWITCH)
    _fill(db)
    with db.read() as s:
        out = {kind: build(s, kind, _req(calendar=Calendar.JALALI)) for kind in REPORTS}
        out["activity"] = build(s, "activity", _req(now=utcnow()))
    db.dispose()
    return out


def test_pm_reports_count_what_happened(filled: Database) -> None:
    with filled.read() as s:
        schedule = build(s, "pm-schedule", _req())
        completion = build(s, "pm-completion", _req(date_to=date(2026, 7, 4)))
    summary = {k: v for k, v, _t in schedule.summary}
    assert summary["tasks"] == 4 and summary["state_done"] == 1
    assert summary["state_skipped"] == 1
    tasks = schedule.section("tasks")
    states = {row[1]: row[6] for row in tasks.rows}
    assert sorted(states.values()).count("done") == 1
    by_district = {row[0]: row for row in completion.section("by_district").rows}
    assert sum(r[1] for r in by_district.values()) == 4
    done = completion.section("done").rows
    assert len(done) == 1 and done[0][3] == "Reza" and done[0][5] == ["clean fans"]
    assert [r[6] for r in completion.section("not_done").rows] == ["site closed"]
    rate = dict((k, v) for k, v, _t in completion.summary)["completion_rate"]
    assert rate == pytest.approx(1 / 4)


def test_register_reports(filled: Database) -> None:
    with filled.read() as s:
        warranty = build(s, "warranty", _req(days=20))
        wide = build(s, "warranty", _req(days=60))
        retirement = build(s, "retirement", _req())
        register = build(s, "assets", _req(kind=AssetKind.PC))
    assert [r[0] for r in warranty.section("warranty_expiring").rows] == ["SW-1"]
    assert [(r[0], r[6]) for r in wide.section("warranty_expiring").rows] == [
        ("SW-1", 15), ("PC-1", 27)]
    open_repairs = wide.section("open_repairs").rows
    assert [(r[1], r[3], r[8]) for r in open_repairs] == [("SW-1", "PSU", 0)]
    # PC-1: bought 2018-01-10, five years by default; PC-3 has ten years of life
    assert [(r[0], r[9]) for r in retirement.section("retirement_candidates").rows] == [
        ("PC-1", date(2023, 1, 10))]
    assert {r[0] for r in register.section("assets").rows} == {"PC-1", "PC-2", "PC-3", "NEW-1"}


def test_weekly_activity(filled: Database) -> None:
    with filled.read() as s:
        report = build(s, "activity", _req(now=utcnow()))
    new = {r[1] for r in report.section("new_assets").rows}
    assert new == {"PC-1", "PC-2", "PC-3", "SW-1", "NEW-1"}
    assert [r[3] for r in report.section("pm_done").rows] == ["Reza"]
    assert [(r[1], r[4]) for r in report.section("repairs").rows] == [("repair.open", "PSU")]
    assert [r[1] for r in report.section("unknown_devices").rows] == ["NEW-1"]
    changed = report.section("changed_assets").rows
    assert any(r[2] == "asset.repair" and "in_repair" in r[3] for r in changed)
    # a change is shown on its site's clock: SW-1 is at City Hall, in Tehran (UTC+03:30)
    assert all(r[0].utcoffset().total_seconds() == 3.5 * 3600 for r in changed)


def test_xlsx_has_typed_cells_a_header_and_filters(sample: dict[str, Report]) -> None:
    data = render(sample["pm-schedule"], Format.XLSX, Presenter(calendar=Calendar.GREGORIAN))
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Tasks"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Task", "Asset", "Kind"] and "Due date" in header
    assert ws.auto_filter.ref == f"A1:I{ws.max_row}"
    assert ws.freeze_panes == "A2"
    first = [c.value for c in ws[2]]
    assert isinstance(first[0], int)
    assert isinstance(first[5], datetime)  # a real Excel date, not text
    assert ws.cell(2, 6).number_format == "yyyy-mm-dd"
    summary = wb.worksheets[0]
    assert summary["A1"].value == "Preventive maintenance schedule"
    completion = load_workbook(io.BytesIO(render(sample["pm-completion"], Format.XLSX,
                                                 Presenter())))["By district"]
    assert completion.cell(2, 7).number_format == "0.0%"
    assert isinstance(completion.cell(2, 7).value, float)
    assert ws.cell(1, 1).font.bold
    front = load_workbook(io.BytesIO(render(sample["pm-completion"], Format.XLSX,
                                            Presenter()))).worksheets[0]
    rate = next(row for row in front.iter_rows() if row[0].value == "Completion rate")
    assert rate[1].number_format == "0.0%" and rate[1].value == pytest.approx(0.5)


def test_xlsx_in_persian_and_jalali(sample: dict[str, Report]) -> None:
    p = Presenter(lang=Lang.FA, calendar=Calendar.JALALI, persian_digits=True)
    wb = load_workbook(io.BytesIO(render(sample["pm-schedule"], Format.XLSX, p)))
    ws = wb["کارها"]
    assert ws.sheet_view.rightToLeft
    assert ws.cell(1, 6).value == "موعد"
    due = ws.cell(2, 6).value
    assert isinstance(due, str) and re.fullmatch(r"140[45]-\d\d-\d\d", due)  # Jalali, ASCII


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, str | None] = {}
        self.stack: list[str] = []
        self.cells: list[str] = []
        self.headings: list[str] = []
        self.missing: list[str] = []
        self._cls: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.root = dict(attrs)
        self.stack.append(tag)
        self._cls.append(dict(attrs).get("class"))

    def handle_endtag(self, tag: str) -> None:
        self.stack.pop()
        self._cls.pop()

    def handle_data(self, data: str) -> None:
        if "td" in self.stack:
            self.cells.append(data)
        elif self.stack and self.stack[-1] in ("h1", "h2"):
            self.headings.append(data)
        elif "missing" in self._cls:
            self.missing.append(data)


def _parse(data: bytes) -> _Html:
    parser = _Html()
    parser.feed(data.decode("utf-8"))
    return parser


def test_persian_html_is_right_to_left_with_persian_digits(sample: dict[str, Report]) -> None:
    p = Presenter(lang=Lang.FA, calendar=Calendar.JALALI, persian_digits=True)
    page = _parse(render(sample["pm-schedule"], Format.HTML, p))
    assert page.root == {"lang": "fa", "dir": "rtl"}
    assert page.headings[0] == "برنامه نگهداری پیشگیرانه"
    dates = [c for c in page.cells if re.fullmatch("[۰-۹]{4}-[۰-۹]{2}-[۰-۹]{2}", c)]
    assert dates and all(c.startswith("۱۴۰") for c in dates)
    assert "PC-1" in page.cells  # asset tags keep their own digits
    assert "انجام‌شده" in page.cells  # the state "done", translated


def test_missing_sources_say_so(sample: dict[str, Report]) -> None:
    for lang, needle in ((Lang.EN, "No data yet"), (Lang.TR, "Henüz veri yok"),
                         (Lang.FA, "هنوز داده‌ای نیست")):
        page = _parse(render(sample["antivirus"], Format.HTML, Presenter(lang=lang)))
        if sample["antivirus"].sections[0].missing_source:
            assert page.missing and all(needle in m for m in page.missing)
    weekly = _parse(render(sample["activity"], Format.HTML, Presenter()))
    assert any("agent" in m for m in weekly.missing)  # hardware changes come from the agent


def test_csv_blocks_read_back(sample: dict[str, Report]) -> None:
    text = render(sample["pm-completion"], Format.CSV, Presenter()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["# By district"]
    assert rows[1][:3] == ["District", "Tasks", "Done"]
    assert rows[2][6].endswith("%")
    one = render(sample["pm-completion"], Format.CSV, Presenter(), section="not_done")
    only = list(csv.reader(io.StringIO(one.decode("utf-8-sig"))))
    assert only[0][0] == "Task" and only[1][-1] == "site closed"
    with pytest.raises(ValueError, match="no section"):
        render(sample["pm-completion"], Format.CSV, Presenter(), section="nope")


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    file = tmp_path / "r.pdf"
    file.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(file), "-"], capture_output=True,
                          check=True, text=True).stdout


def test_pdf_text(sample: dict[str, Report], tmp_path: Path) -> None:
    english = _pdf_text(render(sample["warranty"], Format.PDF, Presenter()), tmp_path)
    assert "Warranty and repairs" in english and "PC-1" in english and "PSU" in english
    persian = _pdf_text(render(sample["pm-schedule"], Format.PDF,
                               Presenter(lang=Lang.FA, calendar=Calendar.JALALI,
                                         persian_digits=True)), tmp_path)
    assert "برنامه" in persian and "PC-1" in persian
    assert PERSIAN.search(persian)


def test_pdf_without_chromium_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf.shutil, "which", lambda _name: None)
    with pytest.raises(pdf.PdfUnavailable, match="chromium"):
        pdf.html_to_pdf(b"<html></html>")


def test_every_label_has_all_three_languages(sample: dict[str, Report]) -> None:
    keys: set[str] = set()
    for report in sample.values():
        keys.add(f"title_{report.kind}")
        keys.update(k for k, _v, _t in report.summary)
        for sec in report.sections:
            keys.add(sec.key)
            keys.update(c.key for c in sec.columns)
            labels = [i for i, c in enumerate(sec.columns) if c.type == ColumnType.LABEL]
            keys.update(str(row[i]) for row in sec.rows for i in labels)
            lists = [i for i, c in enumerate(sec.columns) if c.type == ColumnType.LABELS]
            keys.update(str(v) for row in sec.rows for i in lists for v in row[i] or [])
        for chart in report.charts:
            keys.add(chart.key)
            keys.update(k for k, _values in chart.series)
            if sec.missing_source:
                keys.add(f"missing_source_{sec.missing_source}")
    missing = sorted(k for k in keys if k not in LABELS or not all(LABELS[k]))
    assert missing == []


def test_report_settings_default_the_call() -> None:
    settings = ReportSettings(lang=Lang.TR, calendar=Calendar.JALALI)
    assert _req(settings=settings).settings.lang == Lang.TR


def test_pm_completion_counts_work_done_before_the_due_date(city: Database) -> None:
    """A visit done this month for a task due next quarter is work done this month."""
    with city.write() as s:
        pm.sync_plan(s, policy(), actor="t", now=NOW)
        last = list(s.exec(select(PmTask).order_by(col(PmTask.due_date))))[-1]
        assert last.due_date > NOW.date()
        pm.complete(s, last.id or 0, policy(), performed_by="Reza", actor="t", now=NOW,
                    performed_at=NOW)
    with city.read() as s:
        now_period = build(s, "pm-completion", _req(date_from=NOW.date(), date_to=NOW.date()))
        before = build(s, "pm-completion", _req(date_from=date(2025, 1, 1),
                                                date_to=date(2025, 12, 31)))
    assert [r[0] for r in now_period.section("done").rows] == [last.id]
    summary = {k: v for k, v, _t in now_period.summary}
    assert summary["done"] == 1 and summary["tasks"] >= 1
    assert not before.section("done").rows


def test_activity_from_a_day_covers_the_seven_days_from_it(filled: Database) -> None:
    from_sunday = date(2026, 11, 1)  # a Sunday: the week it ends is not the one asked for
    with filled.read() as s:
        report = build(s, "activity", _req(now=utcnow(), date_from=from_sunday))
        until = build(s, "activity", _req(now=utcnow(), date_from=from_sunday,
                                          date_to=date(2026, 11, 3)))
    assert report.period == (from_sunday, date(2026, 11, 7))
    assert until.period == (from_sunday, date(2026, 11, 3))
