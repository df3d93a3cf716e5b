"""Printable QR labels: a sheet of asset tags, each with a QR code of its page's address
and its site, on common label-sheet sizes. QR codes are segno's SVG, inline; the sheet is
printed to PDF by the reports' headless Chromium (``reports/pdf.py``)."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from markupsafe import Markup

from muniops.collector.reports.pdf import html_to_pdf
from muniops.collector.web.pages import templates


@dataclass(frozen=True)
class Sheet:
    """A label sheet, in millimetres: page, grid, label size, margins and gaps."""

    title: str
    page: tuple[float, float]
    columns: int
    rows: int
    label: tuple[float, float]
    margin: tuple[float, float]  # top, left
    gap: tuple[float, float] = (0.0, 0.0)  # between columns, between rows

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


SHEETS = {
    "a4-24": Sheet("A4, 24 labels 70 × 37 mm (3 × 8)", (210, 297), 3, 8, (70, 37),
                   (0.5, 0)),
    "a4-21": Sheet("A4, 21 labels 63.5 × 38.1 mm (Avery L7160)", (210, 297), 3, 7,
                   (63.5, 38.1), (15.15, 7.2), (2.5, 0)),
    "a4-14": Sheet("A4, 14 labels 99.1 × 38.1 mm (Avery L7163)", (210, 297), 2, 7,
                   (99.1, 38.1), (15.15, 4.65), (2.5, 0)),
    "letter-30": Sheet("Letter, 30 labels 66.7 × 25.4 mm (Avery 5160)", (215.9, 279.4), 3, 10,
                       (66.7, 25.4), (12.7, 4.8), (3.2, 0)),
}


@dataclass(frozen=True)
class Label:
    tag: str
    site: str
    url: str

    def qr(self) -> Markup:
        # the SVG is segno's own output for a URL we built: safe to place as markup
        return Markup(segno.make(self.url, error="m").svg_inline(
            scale=1, border=2, omitsize=True))


def sheet_html(labels: list[Label], sheet: Sheet) -> str:
    pages = [labels[i:i + sheet.per_page] for i in range(0, len(labels), sheet.per_page)]
    return templates.get_template("labels_sheet.html").render(pages=pages or [[]], sheet=sheet)


def sheet_pdf(labels: list[Label], sheet: Sheet) -> bytes:
    return html_to_pdf(sheet_html(labels, sheet).encode())
