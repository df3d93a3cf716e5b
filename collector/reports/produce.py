"""One report made for whoever asks — ``muniops report KIND`` and
``GET /api/v1/reports/{kind}`` — with the same options: build it from the store in the
caller's scope, render it, and record the export when it names people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from muniops.collector.core.settings import Settings
from muniops.collector.reports.config import Calendar, Format, Lang
from muniops.collector.reports.kinds import REPORTS, build
from muniops.collector.reports.pdf import PdfUnavailable
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.render import render
from muniops.collector.reports.request import ReportRequest
from muniops.inventory.db import Database
from muniops.inventory.errors import InvalidInput, NotFound
from muniops.inventory.exports import people_named, record_export
from muniops.inventory.models import AssetKind, AssetStatus
from muniops.inventory.scope import EVERYWHERE, Scope


@dataclass(frozen=True)
class ReportOptions:
    """What a report is asked for, as the CLI's options and the route's query say it."""

    fmt: Format
    calendar: Calendar | None = None
    lang: Lang | None = None
    persian_digits: bool | None = None
    section: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    days: int | None = None
    site: str | None = None
    district: str | None = None
    team: str | None = None
    kind: AssetKind | None = None
    status: AssetStatus | None = None
    period: str | None = None


@dataclass(frozen=True)
class Produced:
    kind: str
    fmt: Format
    data: bytes
    people: list[int]  # the people it names: its export is recorded


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(name, f"expected a Gregorian date YYYY-MM-DD, got {value!r}") from None


def produce(db: Database, settings: Settings, kind: str, opts: ReportOptions,
            scope: Scope = EVERYWHERE) -> Produced:
    """Build and render report ``kind``; a liaison's report holds only its district."""
    if kind not in REPORTS:
        raise NotFound("report", repr(kind))
    defaults = settings.reports
    req = ReportRequest(
        settings=defaults, pm=settings.pm, antivirus=settings.agents.antivirus,
        licences=settings.licences, calendar=opts.calendar or defaults.calendar,
        date_from=_date(opts.date_from, "from"), date_to=_date(opts.date_to, "to"),
        days=opts.days, site=opts.site, district=opts.district, team=opts.team,
        kind=opts.kind, status=opts.status, backups=settings.backups, kpis=settings.kpis,
        period=opts.period, scope=scope)
    presenter = Presenter.of(defaults, lang=opts.lang, calendar=req.calendar,
                             persian_digits=opts.persian_digits)
    with db.read() as s:
        report = build(s, kind, req)
        named = people_named(s, report.people())
    try:
        data = render(report, opts.fmt, presenter, opts.section)
    except ValueError as exc:
        raise InvalidInput("section", str(exc)) from None
    except PdfUnavailable as exc:
        raise InvalidInput("format", str(exc)) from None
    return Produced(kind, opts.fmt, data, named)


def record(db: Database, produced: Produced, *, actor: str, destination: str) -> None:
    """The audit log's entry for a report that names people (personal data left)."""
    if produced.people:
        with db.write() as s:
            record_export(s, actor=actor, document=produced.kind, fmt=produced.fmt.value,
                          people=produced.people, destination=destination)
