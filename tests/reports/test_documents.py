"""The documents a manager signs, read back: letterhead, page numbers in the report's
language and digits on every page, signature lines, charts, times with their zone named,
month names; and the assignment receipt and handover list printed by the CLI."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from muniops.collector.reports import build_documents
from muniops.collector.reports.config import (
    Calendar,
    Format,
    Lang,
    Organisation,
    ReportSettings,
    Signer,
)
from muniops.collector.reports.files import write_report
from muniops.collector.reports.kinds import build
from muniops.collector.reports.model import ColumnType
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.render import render
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import assets, pm, sites
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.models import AuditEntry
from muniops.inventory.models.pm import PmTask
from muniops.inventory.schemas import PersonCreate
from tests.conftest import Cli
from tests.pm.conftest import add, add_sites, policy
from tests.reports.readback import page_count, pages_text, plain

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 10 Azar 1405
SETTINGS = ReportSettings(
    timezone="Asia/Tehran",
    organisation=Organisation(name="Municipality of Region 1", department="IT Department",
                              document_number="IT/{year}/{seq}"),
    translations={"Municipality of Region 1": {Lang.FA: "شهرداری منطقه ۱",
                                               Lang.TR: "1. Bölge Belediyesi"}},
    signatures={"default": [Signer(role="prepared_by", name="Sara Ahmadi"),
                            Signer(role="approved_by", title="Head of IT")]})
PAGE = {Lang.EN: r"Page (\d+) of (\d+)", Lang.TR: r"Sayfa (\d+) / (\d+)",
        Lang.FA: r"صفحه\s*([۰-۹]+)\s*از\s*([۰-۹]+)"}
FROM_PERSIAN = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


@pytest.fixture
def town(sqlite_db: Database) -> Database:
    """Enough tasks and assets for a report of several pages, PM done and skipped, and
    three PCs held by one person."""
    with sqlite_db.write() as s:
        add_sites(s)
        for n in range(40):
            add(s, f"PC-{n:02d}", site=("City Hall", "Kadikoy Office")[n % 2],
                purchase_date=date(2018 + n % 8, 1, 10), serial=f"SN{n:04d}")
        sites.add_person(s, PersonCreate(name="Reza Karimi", employee_id="E100",
                                         department="Finance", site="City Hall"), actor="t")
    with sqlite_db.write() as s:
        pm.sync_plan(s, policy(), actor="t", now=datetime(2026, 6, 1, tzinfo=UTC))
        tasks = list(s.exec(select(PmTask).order_by(col(PmTask.due_date), col(PmTask.id))))
        for i, task in enumerate(tasks[:20]):
            if i % 4 == 3:
                pm.skip(s, task.id or 0, "closed", actor="t", settings=policy(), now=NOW)
            else:
                pm.complete(s, task.id or 0, policy(), performed_by="Reza", actor="t",
                            failed={"1": "noisy"} if i % 5 == 0 else None, now=NOW)
        for tag in ("PC-00", "PC-02", "PC-04"):
            assets.assign(s, assets.get_asset(s, tag), "E100", actor="t", condition="good")
    return sqlite_db


def _req(cal: Calendar = Calendar.GREGORIAN) -> ReportRequest:
    return ReportRequest(settings=SETTINGS, pm=policy(), calendar=cal, now=NOW)


def _presenter(lang: Lang) -> Presenter:
    cal = Calendar.JALALI if lang == Lang.FA else Calendar.GREGORIAN
    return Presenter.of(SETTINGS, lang=lang, calendar=cal, persian_digits=lang == Lang.FA)


@pytest.mark.parametrize("lang", [Lang.EN, Lang.FA, Lang.TR])
def test_every_page_is_numbered_in_the_reports_language(town: Database, tmp_path: Path,
                                                        lang: Lang) -> None:
    p = _presenter(lang)
    with town.read() as s:
        report = build(s, "assets", _req(p.calendar))
    pdf = tmp_path / f"assets-{lang.value}.pdf"
    write_report(report, pdf, p)
    total = page_count(pdf)
    assert total >= 2  # 40 assets do not fit on one landscape page
    numbers = []
    for text in pages_text(pdf):
        found = re.findall(PAGE[lang], plain(text))
        assert len(found) == 1, text[-300:]
        numbers.append(tuple(int(x.translate(FROM_PERSIAN)) for x in found[0]))
        if lang == Lang.FA:
            assert not re.search("[0-9]", found[0][0] + found[0][1])  # Persian digits only
    assert numbers == [(n, total) for n in range(1, total + 1)]


def test_letterhead_signatures_and_dates(town: Database, tmp_path: Path) -> None:
    with town.read() as s:
        report = build(s, "pm-completion", _req(Calendar.JALALI))
    pdf = tmp_path / "pm.pdf"
    write_report(report, pdf, _presenter(Lang.FA))
    pages = [plain(t) for t in pages_text(pdf)]
    first, last = pages[0], pages[-1]
    assert "شهرداری منطقه" in first  # the organisation, translated as configured
    assert "IT/۱۴۰۵" in first  # the document number, in the report's calendar and digits
    assert re.search("سه.?شنبه", first)  # the weekday, Tuesday
    assert "آذر" in first  # 10 Azar 1405, by its month name
    assert "بررسی‌کننده" not in last  # only the configured lines: prepared, approved
    for role in ("تهیه‌کننده", "تأییدکننده"):
        assert role in last.replace("ي", "ی")
    assert "Sara Ahmadi" in last and "Head of IT" in last
    whole = "".join(pages)
    assert "نگهداری به تفکیک منطقه" in whole  # the chart's own text, shaped, in the PDF
    english = tmp_path / "pm-en.pdf"
    write_report(report, english, _presenter(Lang.EN))
    text = plain("".join(pages_text(english)))
    assert "Municipality of Region 1 — IT Department" in text  # every page's head
    assert "Tuesday, 10 Azar 1405" in text or "Tuesday, 1 December 2026" in text


def test_charts_are_svg_with_translated_text(town: Database) -> None:
    with town.read() as s:
        completion = build(s, "pm-completion", _req())
        register = build(s, "assets", _req())
    page = render(completion, Format.HTML, _presenter(Lang.TR)).decode()
    assert page.count("<svg") == len(completion.charts) == 2
    assert "<script" not in page and "http://pygal" not in page.split("<svg", 1)[0]
    assert "İlçeye göre bakım görevleri" in page  # the chart's title
    assert "Yapıldı" in page and "Atlandı" in page  # series "done", "skipped" in Turkish
    persian = render(register, Format.HTML, _presenter(Lang.FA)).decode()
    assert "۶ سال و بیشتر" in persian  # the age buckets
    (chart,) = register.charts
    counted = sum(sum(values) for _key, values in chart.series)
    assert counted == 40  # every asset in one bucket


def test_times_carry_their_zone(town: Database) -> None:
    with town.read() as s:
        report = build(s, "pm-completion", _req())
    done = report.section("done")
    zones = {row[4].tzinfo.key for row in done.rows}  # type: ignore[union-attr]
    assert zones == {"Asia/Tehran", "Europe/Istanbul"}
    page = render(report, Format.HTML, _presenter(Lang.EN)).decode()
    assert "Tehran time" in page and "Istanbul time" in page
    assert " UTC" not in page.split("<body>", 1)[1]  # no UTC beside the sites' times
    p = _presenter(Lang.FA)
    only_tehran = [r for r in done.rows if r[2] == "City Hall"]
    done.rows = only_tehran
    assert p.headers(done)[4] == "زمان انجام (به وقت تهران)"  # named once, in the header


def test_month_names_and_translated_values(town: Database) -> None:
    with town.read() as s:
        schedule = build(s, "pm-schedule", _req(Calendar.JALALI))
    p = _presenter(Lang.FA)
    by_month = schedule.section("by_month")
    months = {p.text(r[2], by_month.columns[2].type) for r in by_month.rows}
    assert months and all(re.fullmatch(r"(فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|"
                                       r"آذر|دی|بهمن|اسفند) ۱۴۰[۵۶]", m) for m in months)
    teams = {p.text(r[1], by_month.columns[1].type) for r in by_month.rows}
    assert teams == {"سخت‌افزار"}
    assert p.text(0.484, ColumnType.PERCENT) == "۴۸٫۴٪"  # Persian separators and sign
    assert p.text(12500000.5, ColumnType.NUMBER) == "۱۲٬۵۰۰٬۰۰۰٫۵"
    tr = _presenter(Lang.TR)
    assert tr.value("clean fans") == "fanları temizle"
    assert tr.value("ClamAV signatures are 12 days old (max 7)") == (
        "ClamAV imzaları 12 günlük (en fazla 7)")
    assert tr.value("City Hall") == "City Hall"  # names are not translated


def _documents_cli(cli: Cli) -> None:
    cli.ok("init")
    cli.ok("sites", "add", "City Hall", "--district", "Center", "--timezone", "Asia/Tehran")
    cli.ok("people", "add", "Sara Ahmadi", "--employee-id", "E100", "--site", "City Hall",
           "--department", "Finance")
    cli.ok("people", "add", "Reza Karimi", "--employee-id", "E200")
    for tag, serial in (("PC-1", "SN-A1"), ("MON-1", "SN-B2")):
        cli.ok("assets", "add", "pc", "--tag", tag, "--serial", serial, "--site", "City Hall",
               "--vendor", "Dell", "--model", "OptiPlex 7010")


@pytest.fixture
def sqlite_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Cli:
    """The CLI on SQLite only: the languages are the renderer's, not the store's."""
    config = tmp_path / "muniops.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\ndatabase_url: '{sqlite_url(tmp_path)}'\n")
    return Cli(capsys, config)


@pytest.mark.parametrize("lang", ["en", "fa", "tr"])
def test_receipt_and_handover_from_the_cli(sqlite_cli: Cli, tmp_path: Path, lang: str) -> None:
    cli = sqlite_cli
    _documents_cli(cli)
    receipt = tmp_path / f"receipt-{lang}.pdf"
    cli.ok("assets", "assign", "PC-1", "E100", "--condition", "new")
    cli.ok("assets", "assign", "MON-1", "E100", "--condition", "good", "--lang", lang)
    cli.ok("assets", "receipt", "PC-1", "MON-1", "-o", str(receipt), "--lang", lang)
    text = plain("".join(pages_text(receipt)))
    title = {"en": "Assignment receipt", "fa": "رسید تحویل اموال", "tr": "Zimmet tutanağı"}
    assert title[lang] in text
    for needle in ("Sara Ahmadi", "PC-1", "SN-A1", "MON-1", "SN-B2"):
        assert needle in text
    condition = {"en": ("new", "good"), "fa": ("نو", "سالم"), "tr": ("yeni", "iyi")}
    assert all(c in text for c in condition[lang])
    signature = {"en": "Received by", "fa": "تحویل‌گیرنده", "tr": "Teslim alan"}
    assert signature[lang] in text
    handover = tmp_path / f"handover-{lang}.pdf"
    cli.ok("people", "leave", "E100", "--hand-to", "E200", "--handover", str(handover),
           "--lang", lang)
    text = plain("".join(pages_text(handover)))
    assert "Sara Ahmadi" in text and "Reza Karimi" in text
    assert "PC-1" in text and "MON-1" in text
    again = tmp_path / "again.html"
    cli.ok("people", "handover", "E100", "-o", str(again))
    assert "Reza Karimi" in again.read_text()


def test_every_export_of_personal_data_is_audited(cli: Cli, tmp_path: Path) -> None:
    _documents_cli(cli)
    cli.ok("assets", "assign", "PC-1", "E100", "--receipt", str(tmp_path / "r.html"))
    cli.ok("people", "leave", "E100", "--handover", str(tmp_path / "h.html"))
    cli.ok("assets", "assign", "MON-1", "E200")
    assert "Reza Karimi" in cli.ok("report", "assets", "--format", "csv").out
    cli.ok("report", "warranty", "--format", "csv")  # names nobody: not an export
    from muniops.collector.core.settings import load_settings

    db = Database(load_settings(cli.config).db_url)
    with db.read() as s:
        entries = list(s.exec(select(AuditEntry).where(
            AuditEntry.action == "export.personal_data").order_by(col(AuditEntry.id))))
    db.dispose()
    assert [(e.after or {})["document"] for e in entries] == ["assignment-receipt", "handover",
                                                              "assets"]
    assert (entries[2].after or {})["destination"] == "stdout"
    assert all(e.actor == "tester" for e in entries)
    assert (entries[0].after or {})["destination"].endswith("r.html")
    assert "Sara" not in str(entries[0].after)  # the log names people by id only


def test_receipt_for_assets_of_different_holders_is_refused(town: Database) -> None:
    with town.write() as s:
        sites.add_person(s, PersonCreate(name="Ali", employee_id="E300"), actor="t")
        assets.assign(s, assets.get_asset(s, "PC-06"), "E300", actor="t")
    from muniops.inventory.errors import Conflict

    with town.read() as s, pytest.raises(Conflict, match="one person"):
        build_documents.assignment_receipt(s, ["PC-00", "PC-06"], _req())
    with town.read() as s, pytest.raises(Conflict, match="not assigned"):
        build_documents.assignment_receipt(s, ["PC-01"], _req())


def test_logo_is_embedded_and_checked(town: Database, tmp_path: Path) -> None:
    import base64

    logo = tmp_path / "logo.png"
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
                           "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    logo.write_bytes(png)
    settings = SETTINGS.model_copy(update={"organisation": Organisation(
        name="Municipality of Region 1", logo=logo)})
    with town.read() as s:
        report = build(s, "warranty", _req())
    page = render(report, Format.HTML, Presenter.of(settings)).decode()
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page
    with pytest.raises(ValueError, match="logo must be one of"):
        Organisation(logo=tmp_path / "logo.bmp")
    gone = settings.model_copy(update={"organisation": Organisation(
        name="X", logo=tmp_path / "missing.png")})
    assert "<img" not in render(report, Format.HTML, Presenter.of(gone)).decode()
