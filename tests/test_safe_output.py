"""Stored text written out safely: CSV and XLSX cells never start a formula (OWASP), NUL and
lone surrogates never crash a writer, and tables print no terminal escapes or markup."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from muniops.collector.cli.output import emit_json, fields, table
from muniops.collector.reports.config import Format
from muniops.collector.reports.model import Column, ColumnType, Report, Section
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.render import render
from muniops.inventory import assets
from muniops.inventory.db import Database
from muniops.inventory.safe_text import csv_cell, is_formula_like
from muniops.inventory.schemas import AssetCreate
from tests.conftest import Cli

HOSTILE = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3",
           "@SUM(A1)", "\t=1", "\r=1"]
HARMLESS = ["-5", "+3.25", "12%", "pc-01", "a=b", ""]


def report(values: list[str]) -> Report:
    return Report("assets", datetime(2026, 1, 2, tzinfo=UTC), "UTC", sections=[
        Section("assets", [Column("asset_tag"), Column("notes"), Column("count", ColumnType.INT)],
                [(v, f"note {i}", i) for i, v in enumerate(values)])])


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_cells_are_neutralised(text: str) -> None:
    assert is_formula_like(text) and csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_numbers_and_plain_text_stay_as_they_are(text: str) -> None:
    assert not is_formula_like(text) and csv_cell(text) == text


def test_csv_export_quotes_every_formula() -> None:
    data = render(report(HOSTILE + HARMLESS), Format.CSV, Presenter()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    tags = [r[0] for r in rows[1:]]
    assert tags == ["'" + t for t in HOSTILE] + HARMLESS
    assert [r[2] for r in rows[1:3]] == ["0", "1"]  # numbers untouched


def test_xlsx_export_stores_formulas_as_text_and_survives_nul_and_surrogates() -> None:
    values = [*HOSTILE, "MUN\x00-1", "bad\ud800surrogate", "esc\x1b[2J", "-5"]
    book = load_workbook(io.BytesIO(render(report(values), Format.XLSX, Presenter())))
    sheet = book.worksheets[1]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells), [(c.value, c.data_type) for c in cells]
    got = [c.value for c in cells]
    # the text as it was (XML reads a CR as LF), but never a formula
    assert got[:len(HOSTILE)] == [t.replace("\r", "\n") for t in HOSTILE]
    assert got[len(HOSTILE):] == ["MUN\ufffd-1", "bad\ufffdsurrogate", "esc\ufffd[2J", "-5"]


def test_csv_export_survives_nul_and_surrogates() -> None:
    data = render(report(["MUN\x00-1", "bad\ud800"]), Format.CSV, Presenter())
    assert "MUN\ufffd-1" in data.decode("utf-8-sig") and "bad\ufffd" in data.decode("utf-8-sig")


def test_terminal_report_prints_no_escapes() -> None:
    text = render(report(["esc\x1b]0;owned\x07", "csi\x9b2J"]), Format.TABLE,
                  Presenter()).decode()
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "esc\\x1b]0;owned\\x07" in text and "csi\\x9b2J" in text


def test_cli_tables_print_no_escapes_or_markup(capsys: pytest.CaptureFixture[str]) -> None:
    table([{"hostname": "pc\x1b[2J\x1b[H", "note": "[link=file:///etc/passwd]x[/link]",
            "bad": "a\ud800b"}], ["hostname", "note", "bad"])
    fields({"hostname": "line\roverwritten", "bell": "\x07"})
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert "pc\\x1b[2J\\x1b[H" in out and "line\\x0doverwritten" in out
    assert "[link=file:///etc/passwd]x[/link]" in out  # shown as text, not a hyperlink
    assert "a\ufffdb" in out


def test_json_output_survives_a_lone_surrogate(capsys: pytest.CaptureFixture[str]) -> None:
    emit_json({"hostname": "a\ud800b", "ok": "é"})
    out = capsys.readouterr().out
    assert json.loads(out) == {"hostname": "a\ud800b", "ok": "é"}


def test_assets_list_shows_an_escape_in_a_hostname_as_text(cli: Cli, db_url: str) -> None:
    db = Database(db_url)
    with db.write() as s:
        assets.add_asset(s, AssetCreate(kind="pc", asset_tag="MUN-1",
                                        hostname="pc1\x1b[2J\x1bc"), actor="agent")
    db.dispose()
    out = cli.ok("assets", "show", "MUN-1").out
    assert "\x1b" not in out and "pc1\\x1b[2J\\x1bc" in out


def test_messages_quoting_stored_text_print_no_escapes(cli: Cli) -> None:
    result = cli("assets", "show", "MUN\x1b[2J[link=file:///x]y[/link]")
    assert result.code == 3
    assert "\x1b" not in result.err and "MUN\\x1b[2J[link=file:///x]y[/link]" in result.err
