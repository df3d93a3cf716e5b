"""The web pages in a real browser (Debian's Chromium through Playwright), on a 360 px
phone and a desktop, against a real ``muniops serve``."""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

from sqlmodel import select

from muniops.inventory.models import AuditEntry, RepairTicket
from muniops.inventory.models.pm import PmRecord, PmState, PmTask
from muniops.inventory.models.web import PmPhoto
from muniops.lab.collector import RunningCollector
from tests.web.conftest import fits_width, sign_in, store

ASSET_IDS = {"PC-1": 1, "PC-2": 2, "PC-3": 3, "SW-1": 4}


def tiny_png() -> bytes:
    """A real 2×2 PNG, as a phone's camera app would hand over (only smaller)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = bytes.fromhex("00000002" "00000002" "08" "02" "00" "00" "00")  # 2×2 RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def task_of(collector: RunningCollector, tag: str) -> int:
    db = store(collector)
    with db.read() as s:
        task = s.exec(select(PmTask).where(PmTask.asset_id == ASSET_IDS[tag])).first()
        assert task is not None
        task_id = task.id or 0
    db.dispose()
    return task_id


def test_sign_in_shows_my_work_in_walking_order(city: RunningCollector, page) -> None:
    sign_in(page, city.url, "tech")
    assert page.url == f"{city.url}/web/"
    rows = page.locator("#tasks li").all_inner_texts()
    names = page.locator("#tasks li a").all_inner_texts()
    # the technician's team (hardware): the PCs, not the switch (network team)
    assert names == ["PC-1", "PC-2", "PC-3"]
    assert "Room 101" in rows[0]
    # the reports' calendar is Jalali here: a 14xx year, not 20xx
    assert re.search(r"Due 14\d\d-\d\d-\d\d", rows[0])
    assert fits_width(page)


def test_wrong_password_is_refused_without_saying_which(city: RunningCollector, page) -> None:
    sign_in(page, city.url, "viewer", "not-the-password")
    assert "/web/sign-in" in page.url or page.locator("#sign-in-error").count() == 1
    assert page.locator("#sign-in-error").inner_text() == "Wrong user name or password."


def test_pm_visit_end_to_end(city: RunningCollector, page, tmp_path: Path) -> None:
    """Open the task, see the live evidence, fail one item with a note, attach a photo,
    open a repair in the same step: the record is the one ``muniops pm done`` writes."""
    tag = "PC-2" if page.viewport_size["width"] < 500 else "PC-1"
    task_id = task_of(city, tag)
    sign_in(page, city.url, "tech")
    page.click(f"#tasks a:text-is('{tag}')")
    assert page.url.endswith(f"/web/pm/{task_id}")
    evidence = page.locator("#evidence").inner_text()
    if tag == "PC-2":  # its last agent report: a full disk and 12-day-old signatures
        assert "C: 93.8%" in evidence
        assert "Windows Defender · Signatures: 12.0 days old" in evidence
        # judged by the antivirus policy, as the compliance report does
        assert "signatures are 12 days old (max 3)" in evidence
    else:
        assert "The store holds no data for this asset yet." in evidence
    page.check("input[name=result_2][value=not_ok]")
    page.fill("input[name=note_2]", "SMART reallocated sectors")
    page.fill("input[name=note_1]", "dusty")
    photo = tmp_path / "photo.png"
    photo.write_bytes(tiny_png())
    page.set_input_files("input[name=photo]", str(photo))
    page.check("input[name=repair]")
    assert fits_width(page)
    page.click("button[name=action][value=done]")
    assert page.locator("#saved").inner_text() == "Recorded."
    record_text = page.locator("#record").inner_text()
    assert "check disks — SMART reallocated sectors" in record_text
    assert page.locator("#repair-ticket").count() == 1
    assert page.evaluate("document.querySelector('img.photo').naturalWidth") == 2

    db = store(city)
    with db.read() as s:
        task = s.get(PmTask, task_id)
        record = s.exec(select(PmRecord).where(PmRecord.task_id == task_id)).one()
        ticket = s.get(RepairTicket, record.repair_ticket_id)
        photos = s.exec(select(PmPhoto).where(PmPhoto.task_id == task_id)).all()
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "pm.done",
                                                AuditEntry.entity_id == task_id)).one()
        assert task is not None and task.state == PmState.DONE
        assert record.recorded_by == "web:tech" and record.performed_by == "Reza Ahmadi"
        assert [i["result"] for i in record.items] == ["ok", "not_ok", "ok"]
        assert "clean fans: dusty" in record.notes
        assert record.evidence["source"] == "agent"
        assert record.evidence["available"] is (tag == "PC-2")
        assert ticket is not None and "SMART reallocated sectors" in ticket.problem
        assert len(photos) == 1 and photos[0].content_type == "image/png"
        assert audit.actor == "web:tech"
        # the next visit follows at the interval, as after `muniops pm done`
        assert s.exec(select(PmTask).where(PmTask.asset_id == ASSET_IDS[tag],
                                           PmTask.state == PmState.PLANNED)).first()
    db.dispose()


def test_print_labels_for_a_site(city: RunningCollector, desktop, tmp_path: Path) -> None:
    sign_in(desktop, city.url, "tech")
    desktop.goto(f"{city.url}/web/labels")
    desktop.select_option("select[name=site]", "City Hall")
    desktop.select_option("select[name=sheet]", "a4-21")
    with desktop.expect_download() as download:
        desktop.click("#labels button[type=submit]")
    pdf = tmp_path / "labels.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "PC-1" in text and "SW-1" in text and "City Hall" in text
    assert "PC-2" not in text  # another site
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert "pts (A4)" in info, info


def test_liaison_sees_only_their_district(city: RunningCollector, page) -> None:
    sign_in(page, city.url, "liaison1")
    page.goto(f"{city.url}/web/district")
    body = page.locator("main").inner_text()
    assert "District D1" in body
    assert "PC-2" in body and "aa:bb:cc:00:11:22" in body
    assert "PC-3" not in body and "aa:bb:cc:00:33:44" not in body
    assert fits_width(page)
    # guessing another district's asset, task or district page: "not found", nothing more
    for url in (f"/web/assets/{ASSET_IDS['PC-3']}", f"/web/pm/{task_of(city, 'PC-3')}",
                "/web/district?district=D2"):
        response = page.goto(city.url + url)
        assert response is not None and response.status == 404, url
        assert "PC-3" not in page.content() and "D2" not in page.locator("main").inner_text()


def test_liaison_registers_an_unknown_device(city: RunningCollector, desktop) -> None:
    sign_in(desktop, city.url, "liaison1")
    desktop.goto(f"{city.url}/web/district")
    row = desktop.locator("#unknown li", has_text="aa:bb:cc:00:11:22")
    row.locator("input[name=asset_tag]").fill("PR-7")
    row.locator("select[name=kind]").select_option("printer")
    row.locator("button", has_text="Register").click()
    assert "aa:bb:cc:00:11:22" not in desktop.locator("#unknown").inner_text()
    assert "PR-7" in desktop.locator("#assets").inner_text()


def test_persian_pages_are_right_to_left_with_jalali_dates(city: RunningCollector,
                                                           desktop) -> None:
    sign_in(desktop, city.url, "viewer")
    desktop.goto(f"{city.url}/web/preferences")
    desktop.select_option("select[name=lang]", "fa")
    desktop.select_option("select[name=calendar]", "jalali")
    desktop.click("form.stack button[type=submit]")
    assert desktop.get_attribute("html", "dir") == "rtl"
    assert desktop.get_attribute("html", "lang") == "fa"
    assert "کارهای من" in desktop.locator("h1").inner_text()
    row = desktop.locator("#tasks li").first.inner_text()
    # Persian digits, a Jalali year, kept left to right inside the line
    assert re.search("\u2066۱۴۰[۰-۹]-[۰-۹]{2}-[۰-۹]{2}\u2069", row), row
    # the stylesheet is the collector's own; no page asks anything of another host
    sheets = desktop.evaluate("[...document.styleSheets].map(s => s.href)")
    assert sheets == [f"{city.url}/web/static/web.css"]
