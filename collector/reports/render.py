"""Renderers: a report (data) to CSV, XLSX, printable HTML, PDF or a terminal table."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from muniops.collector.reports.config import Calendar, Format
from muniops.collector.reports.document import (
    DOCUMENT_CSS,
    document_number,
    facts_table,
    letterhead,
    page_css,
    signature_block,
)
from muniops.collector.reports.i18n import is_rtl
from muniops.collector.reports.model import ColumnType, Report, Section
from muniops.collector.reports.pdf import html_to_pdf
from muniops.collector.reports.present import Presenter
from muniops.inventory.pm import zone
from muniops.inventory.safe_text import csv_cell, for_terminal, xlsx_cell

if TYPE_CHECKING:
    from openpyxl import Workbook


def render(report: Report, fmt: Format, p: Presenter, section: str | None = None) -> bytes:
    """The report as the bytes of a file of format ``fmt``."""
    renderer: dict[Format, Callable[[Report, Presenter, str | None], bytes]] = {
        Format.CSV: to_csv, Format.XLSX: to_xlsx, Format.HTML: to_html,
        Format.PDF: to_pdf, Format.TABLE: to_text,
    }
    return renderer[fmt](report, p, section)


def _sections(report: Report, section: str | None) -> list[Section]:
    if section is None:
        return report.sections
    chosen = [s for s in report.sections if s.key == section]
    if not chosen:
        known = ", ".join(s.key for s in report.sections)
        raise ValueError(f"report {report.kind} has no section {section!r}; it has: {known}")
    return chosen


# ---- CSV: one block per section, a title line before each when there are several ----

def to_csv(report: Report, p: Presenter, section: str | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    sections = _sections(report, section)
    for index, sec in enumerate(sections):
        if len(sections) > 1:
            if index:
                writer.writerow([])
            writer.writerow([f"# {p.label(sec.key)}"])
        if sec.missing_source:
            writer.writerow([f"# {p.missing(sec.missing_source)}"])
            continue
        zones = p.column_zones(sec)
        writer.writerow(p.headers(sec, zones))
        writer.writerows([csv_cell(v) for v in p.cells(sec.columns, row, digits=False,
                                                         zones=zones)]
                         for row in sec.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8


# ---- XLSX: a summary sheet, then a sheet per section with typed cells and filters ----

_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def _sheet_title(text: str, used: set[str]) -> str:
    base = text.translate(_BAD_SHEET_CHARS).strip()[:28] or "sheet"
    title, n = base, 2
    while title.lower() in used:
        title, n = f"{base} {n}", n + 1
    used.add(title.lower())
    return title


def _xlsx_value(value: Any, ctype: ColumnType, p: Presenter) -> tuple[Any, str | None]:
    """A typed cell and its number format. Excel has no Jalali dates: those are text."""
    if value is None or value == "":
        return None, None
    if ctype in (ColumnType.DATE, ColumnType.DATETIME) and p.calendar == Calendar.JALALI:
        return p.text(value, ctype, digits=False), None
    if ctype == ColumnType.DATETIME and isinstance(value, datetime):
        return value.replace(tzinfo=None), "yyyy-mm-dd hh:mm"
    if ctype == ColumnType.DATE and isinstance(value, date):
        return value, "yyyy-mm-dd"
    if ctype == ColumnType.INT:
        return int(value), None
    if ctype == ColumnType.NUMBER:
        return float(value), "#,##0.00"
    if ctype == ColumnType.PERCENT:
        return float(value), "0.0%"
    return xlsx_cell(p.text(value, ctype, digits=False)), None


def _widths(rows: list[list[Any]]) -> list[float]:
    """Column widths from the longest value (write-only sheets need them up front)."""
    widths = [8.0] * max((len(r) for r in rows), default=0)
    for row in rows:
        for index, value in enumerate(row):
            if value is not None:
                widths[index] = max(widths[index], min(len(str(value)) + 2, 60))
    return widths


def _sheet(wb: Workbook, title: str, rows: list[list[Any]], formats: list[str | None],
           *, rtl: bool, header: bool, cell_formats: dict[int, str] | None = None) -> None:
    """A write-only sheet (constant memory, linear time): typed cells with their number
    formats, a bold header with filters and frozen panes."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.sheet_view.rightToLeft = rtl
    for index, width in enumerate(_widths(rows), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if header and rows:
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(rows[0]))}{len(rows)}"
    for number, row in enumerate(rows):
        cells: list[Any] = []
        for index, value in enumerate(row):
            if header and number == 0:
                cell = WriteOnlyCell(ws, value)
                cell.font = Font(bold=True)
                cell.alignment = Alignment(horizontal="center")
                value = cell
            else:
                number_format = ((cell_formats or {}).get(number) if index == 1 else None) or (
                    formats[index] if index < len(formats) else None)
                if number_format and value is not None:
                    cell = WriteOnlyCell(ws, value)
                    cell.number_format = number_format
                    value = cell
            cells.append(value)  # plain values stay plain: a cell object costs time
        ws.append(cells)


def to_xlsx(report: Report, p: Presenter, section: str | None = None) -> bytes:
    from openpyxl import Workbook  # loaded only when a workbook is asked for

    wb = Workbook(write_only=True)
    rtl = is_rtl(p.lang)
    used: set[str] = set()
    summary: list[list[Any]] = [[p.title(report)],
                                [p.label("generated"), p.generated(report, digits=False)]]
    if report.period:
        summary.append([p.label("period"), p.period(report, digits=False)])
    value_formats: dict[int, str] = {}  # row → format of its value (a count, a share...)
    for key, value, ctype in report.summary:
        cell_value, number_format = _xlsx_value(value, ctype, p)
        if number_format:
            value_formats[len(summary)] = number_format
        summary.append([p.label(key), cell_value])
    _sheet(wb, _sheet_title(p.label("summary"), used), summary, [], rtl=rtl, header=False,
           cell_formats=value_formats)
    for sec in _sections(report, section):
        title = _sheet_title(p.label(sec.key), used)
        if sec.missing_source:
            _sheet(wb, title, [[p.missing(sec.missing_source)]], [], rtl=rtl, header=False)
            continue
        rows: list[list[Any]] = [p.headers(sec)]
        formats: list[str | None] = [None] * len(sec.columns)
        for row in sec.rows:
            typed = [_xlsx_value(v, c.type, p) for c, v in zip(sec.columns, row, strict=True)]
            rows.append([v for v, _ in typed])
            for index, (_v, number_format) in enumerate(typed):
                formats[index] = formats[index] or number_format
        _sheet(wb, title, rows, formats, rtl=rtl, header=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- HTML: one printable page (A4 landscape), right to left for Persian ----

_CSS = """
body { font-family: "Vazirmatn", "Noto Sans Arabic", "Noto Sans", "DejaVu Sans", sans-serif;
       font-size: 10pt; color: #111; margin: 0; }
h1 { font-size: 16pt; margin: 0 0 4pt; }
h2 { font-size: 12pt; margin: 14pt 0 4pt; break-after: avoid; }
.meta { color: #444; margin-bottom: 8pt; }
table { border-collapse: collapse; width: 100%; margin-bottom: 6pt; }
th, td { border: 1px solid #999; padding: 2pt 4pt; text-align: start; vertical-align: top; }
th { background: #e8e8e8; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num { text-align: end; font-variant-numeric: tabular-nums; }
td bdi { white-space: nowrap; }
table.summary { width: auto; min-width: 70mm; }
table.summary th { text-align: start; font-weight: normal; }
.missing { color: #8a4b00; font-style: italic; }
.none { color: #666; }
"""

_NUM = ' class="num"'
_NUMERIC = (ColumnType.INT, ColumnType.NUMBER, ColumnType.PERCENT)
_ISOLATED = (*_NUMERIC, ColumnType.DATE, ColumnType.DATETIME)  # a month name is words


def _isolated(value: str, ctype: ColumnType, zone: str = "") -> str:
    """Numbers and dates are isolated left-to-right runs, so a Jalali date reads
    1403-01-01 (year first) inside a right-to-left page too; a time's zone name stays
    outside, in the page's own direction."""
    if zone and value.endswith(" " + zone):
        return _isolated(value[:-len(zone) - 1], ctype) + " " + html.escape(zone)
    text = html.escape(value)
    return f'<bdi dir="ltr">{text}</bdi>' if ctype in _ISOLATED and value else text


def _td(value: str, ctype: ColumnType, zone: str = "") -> str:
    return f"<td{_NUM if ctype in _NUMERIC else ''}>{_isolated(value, ctype, zone)}</td>"


def _html_table(headers: list[str] | None, rows: list[list[str]],
                types: list[ColumnType], zones: list[list[str]] | None = None) -> str:
    head = ("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers)
            + "</tr></thead>") if headers else ""
    zones = zones or [[""] * len(types) for _ in rows]
    body = "".join("<tr>" + "".join(_td(v, c, z) for v, c, z in zip(row, types, zr,
                                                                     strict=True))
                   + "</tr>" for row, zr in zip(rows, zones, strict=True))
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _section_html(sec: Section, p: Presenter) -> str:
    head = f'<h2 id="{html.escape(sec.key)}">{html.escape(p.label(sec.key))}</h2>'
    if sec.missing_source:
        return head + f'<p class="missing">{html.escape(p.missing(sec.missing_source))}</p>'
    if not sec.rows:
        return head + f'<p class="none">{html.escape(p.label("none"))}</p>'
    zones = p.column_zones(sec)
    return head + _html_table(p.headers(sec, zones),
                              [p.cells(sec.columns, r, zones=zones) for r in sec.rows],
                              [c.type for c in sec.columns],
                              [[p.zone_label(v) if i not in zones else ""
                                for i, v in enumerate(r)] for r in sec.rows])


def _summary_html(report: Report, p: Presenter) -> str:
    if not report.summary:
        return ""
    return (f'<div class="summary-block"><h2>{html.escape(p.label("summary"))}</h2>'
            '<table class="summary"><tbody>'
            + "".join(f"<tr><th>{html.escape(p.label(k))}</th>{_td(p.text(v, c), c)}</tr>"
                      for k, v, c in report.summary) + "</tbody></table></div>")


def _charts_html(report: Report, p: Presenter) -> str:
    from muniops.collector.reports.charts import to_svg  # pygal loads only for documents

    return "".join(f'<figure class="chart"><figcaption>{html.escape(p.label(c.key))}'
                   f'</figcaption><div class="svg">{to_svg(c, p)}</div></figure>'
                   for c in report.charts)


def to_html(report: Report, p: Presenter, section: str | None = None) -> bytes:
    """A printable document: letterhead, facts, summary, charts, the sections, and the
    signature lines; in PDF every page is numbered and headed."""
    direction = "rtl" if is_rtl(p.lang) else "ltr"
    title = html.escape(p.title(report))
    day = report.generated_at.astimezone(zone(report.timezone)).date()
    number = document_number(p.org, report, p, day)
    local = report.generated_at.astimezone(zone(report.timezone))
    meta = [f"{html.escape(p.label('generated'))}: "
            + _isolated(p.generated(report), ColumnType.DATETIME, p.zone_label(local))]
    if report.period:
        start, end = (_isolated(p.text(d, ColumnType.DATE), ColumnType.DATE)
                      for d in report.period)
        meta.append(f"{html.escape(p.label('period'))}: {start} – {end}")
    parts = [letterhead(report, p, p.org, number, day), f"<h1>{title}</h1>",
             f'<div class="meta">{" · ".join(meta)}</div>', facts_table(report, p)]
    if section is None:
        parts.append(f'<div class="overview">{_summary_html(report, p)}'
                     f"{_charts_html(report, p)}</div>")
    parts += [_section_html(sec, p) for sec in _sections(report, section)]
    configured = p.signatures.get(report.kind) if report.signers else p.signers(report.kind)
    parts.append(signature_block([*report.signers, *(configured or [])], p))
    css = page_css(report, p, p.org, number) + _CSS + DOCUMENT_CSS
    doc = (f'<!DOCTYPE html>\n<html lang="{p.lang.value}" dir="{direction}">\n<head>'
           f'<meta charset="utf-8"><title>{title}</title><style>{css}</style></head>\n'
           f'<body>\n{"".join(parts)}\n</body>\n</html>\n')
    return doc.encode("utf-8")


def to_pdf(report: Report, p: Presenter, section: str | None = None) -> bytes:
    return html_to_pdf(to_html(report, p, section))


# ---- terminal ----

def to_text(report: Report, p: Presenter, section: str | None = None) -> bytes:
    console = Console(record=True, width=200, file=io.StringIO(), force_terminal=False)
    items: list[Any] = [Text(p.title(report), style="bold"),
                        Text(f"{p.label('generated')}: {p.generated(report)}")]
    if report.period:
        items.append(Text(f"{p.label('period')}: {p.period(report)}"))
    for key, value, ctype in report.summary:
        items.append(Text(f"{p.label(key)}: {p.text(value, ctype)}"))
    for sec in _sections(report, section):
        if sec.missing_source:
            items.append(Text(f"\n{p.label(sec.key)}: {p.missing(sec.missing_source)}",
                              style="yellow"))
            continue
        table = Table(title=p.label(sec.key), header_style="bold")
        zones = p.column_zones(sec)
        for c, header in zip(sec.columns, p.headers(sec, zones), strict=True):
            table.add_column(header, justify="right" if c.type in _NUMERIC else "left")
        for row in sec.rows:
            table.add_row(*(Text(for_terminal(v))
                            for v in p.cells(sec.columns, row, zones=zones)))
        items.append(table)
        if not sec.rows:
            items.append(Text(p.label("none"), style="dim"))
    console.print(Group(*items))
    return console.export_text().encode("utf-8")
