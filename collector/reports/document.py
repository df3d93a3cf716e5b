"""What makes a report a document the department signs and hands in: the letterhead
(organisation, department, logo, document number and date), the page numbers in the
report's language and digits, and the signature lines.

Page numbers and the running header are CSS paged-media margin boxes, which Chromium
prints: ``counter(page, persian)`` gives ۲ in a Persian document."""

from __future__ import annotations

import base64
import html
import logging
from datetime import date

from muniops.collector.reports.calendars import ymd
from muniops.collector.reports.config import LOGO_TYPES, Organisation, Signer
from muniops.collector.reports.i18n import is_rtl, t
from muniops.collector.reports.model import Report
from muniops.collector.reports.present import Presenter

log = logging.getLogger(__name__)


def _css_string(text: str) -> str:
    """A CSS string literal (margin boxes take only strings and counters)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_css(report: Report, p: Presenter, org: Organisation, number: str) -> str:
    """The page box: size, margins, "page 2 of 5" at the foot, who and what at the head."""
    style = "persian" if p.persian_digits else "decimal"
    counter = (f'{_css_string(p.label("page") + " ")} counter(page, {style}) '
               f'{_css_string(" " + t("page_of", p.lang) + " ")} counter(pages, {style})')
    head_start = " — ".join(p.value(x) for x in (org.name, org.department) if x)
    head_end = " · ".join(x for x in (p.title(report), p.digits(number)) if x)
    start, end = ("top-right", "top-left") if is_rtl(p.lang) else ("top-left", "top-right")
    box = "font-size: 8pt; color: #555;"
    size = "A4 portrait" if report.portrait else "A4 landscape"
    return (f"@page {{ size: {size}; margin: 16mm 12mm 14mm 12mm;\n"
            f"  @bottom-center {{ content: {counter}; font-size: 9pt; }}\n"
            f"  @{start} {{ content: {_css_string(head_start)}; {box} }}\n"
            f"  @{end} {{ content: {_css_string(head_end)}; {box} }}\n}}\n")


def document_number(org: Organisation, report: Report, p: Presenter, day: date) -> str:
    """The number from ``organisation.document_number``; a wrong template is logged and
    left out rather than failing the document."""
    if not org.document_number:
        return report.number
    y, m, d = ymd(day, p.calendar)
    try:
        number = org.document_number.format(kind=report.kind, year=y, month=f"{m:02d}",
                                            day=f"{d:02d}", seq=report.number)
    except (KeyError, IndexError, ValueError) as exc:
        log.warning("reports.organisation.document_number %r: %s", org.document_number, exc)
        return report.number
    # a period report has no running number: "IT/1405/{seq}" is then "IT/1405"
    return number.rstrip("/-_. ") if not report.number else number


def _logo(org: Organisation) -> str:
    if org.logo is None:
        return ""
    try:
        data = org.logo.read_bytes()
    except OSError as exc:
        log.warning("organisation logo %s cannot be read: %s", org.logo, exc)
        return ""
    mime = LOGO_TYPES[org.logo.suffix.lower()]
    return (f'<img class="logo" alt="" src="data:{mime};base64,'
            f'{base64.b64encode(data).decode()}">')


def letterhead(report: Report, p: Presenter, org: Organisation, number: str,
               day: date) -> str:
    """The first page's head: logo and organisation at one side, number and date at the
    other, the title under them."""
    who = "".join(f'<div class="{cls}">{html.escape(p.value(text))}</div>' for cls, text in (
        ("org", org.name), ("dept", org.department), ("addr", org.address)) if text)
    meta = []
    if number:
        meta.append((p.label("document_number"), p.digits(number)))
    meta.append((p.label("date"), p.long_date(day)))
    meta_html = "".join(f'<div><span class="k">{html.escape(k)}:</span> '
                        f'<bdi>{html.escape(v)}</bdi></div>' for k, v in meta)
    return (f'<header class="letterhead"><div class="who">{_logo(org)}<div>{who}</div></div>'
            f'<div class="docmeta">{meta_html}</div></header>')


def facts_table(report: Report, p: Presenter) -> str:
    if not report.facts:
        return ""
    rows = "".join(f"<tr><th>{html.escape(p.label(k))}</th>"
                   f"<td>{html.escape(p.text(v, c))}</td></tr>" for k, v, c in report.facts)
    return f'<table class="facts"><tbody>{rows}</tbody></table>'


def signature_block(signers: list[Signer], p: Presenter) -> str:
    """One box per signer: the role, the printed name and title, a line to sign on and a
    line for the date. Kept together on one page."""
    if not signers:
        return ""
    boxes = []
    for s in signers:
        printed = " — ".join(x for x in (s.name, s.title) if x)
        boxes.append(
            f'<div class="sign"><div class="role">{html.escape(p.label(s.role))}</div>'
            f'<div class="line"><span>{html.escape(p.label("name"))}:</span> '
            f"{html.escape(printed)}</div>"
            f'<div class="line"><span>{html.escape(p.label("signature"))}:</span></div>'
            f'<div class="line"><span>{html.escape(p.label("date"))}:</span></div></div>')
    return f'<section class="signatures">{"".join(boxes)}</section>'


DOCUMENT_CSS = """
header.letterhead { display: flex; justify-content: space-between; align-items: flex-start;
  border-bottom: 2px solid #333; padding-bottom: 6pt; margin-bottom: 8pt; }
header.letterhead .who { display: flex; gap: 10pt; align-items: center; }
header.letterhead img.logo { max-height: 22mm; max-width: 40mm; }
header.letterhead .org { font-size: 14pt; font-weight: bold; }
header.letterhead .dept { font-size: 11pt; }
header.letterhead .addr { font-size: 9pt; color: #444; }
header.letterhead .docmeta { font-size: 10pt; text-align: end; }
header.letterhead .k { color: #444; }
table.facts { width: auto; min-width: 50%; margin-bottom: 8pt; }
table.facts th { text-align: start; background: #f2f2f2; font-weight: normal; }
div.overview { display: flex; flex-wrap: wrap; gap: 6pt 14pt; align-items: flex-start; }
div.overview h2 { margin-top: 6pt; }
figure.chart { break-inside: avoid; margin: 6pt 0; }
figure.chart figcaption { font-weight: bold; margin: 6pt 0 2pt; font-size: 11pt; }
figure.chart .svg { direction: ltr; width: 150mm; max-width: 100%; }
figure.chart svg { width: 100%; height: auto; }
section.signatures { display: flex; gap: 14pt; margin-top: 18pt; break-inside: avoid; }
section.signatures .sign { flex: 1; border: 1px solid #999; padding: 6pt 8pt; min-height: 30mm; }
section.signatures .role { font-weight: bold; margin-bottom: 6pt; }
section.signatures .line { margin-top: 10pt; border-bottom: 1px dotted #777; min-height: 12pt; }
section.signatures .line span { color: #444; }
"""
