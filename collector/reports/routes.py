"""``/api/v1``: the signed documents (assignment receipt, handover list) and the staff
change that makes a handover. Each document served is recorded as an export of personal
data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path as FPath, Query, Request, Response, status
from pydantic import BaseModel

from muniops.collector.api.auth import DB, Admin, AnyCaller, Caller, Writer
from muniops.collector.api.parity import cli
from muniops.collector.reports import build_documents, build_writeoff
from muniops.collector.reports.config import Calendar, Format, Lang, ReportSettings
from muniops.collector.reports.kinds import REPORTS
from muniops.collector.reports.model import Report
from muniops.collector.reports.pdf import PdfUnavailable
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.produce import ReportOptions, produce, record
from muniops.collector.reports.render import render
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import anonymise, assets, documents, writeoff
from muniops.inventory.db import Database
from muniops.inventory.exports import record_export
from muniops.inventory.models import AssetKind, AssetStatus
from muniops.inventory.types import utcnow

router = APIRouter(prefix="/api/v1", tags=["documents"])

MEDIA = {Format.PDF: "application/pdf", Format.HTML: "text/html; charset=utf-8"}
DocFormat = Annotated[Format, Query(description="pdf or html")]


class LeaveBody(BaseModel):
    hand_to: str | None = None


class HandoverPublic(BaseModel):
    number: int
    person: str
    successor: str | None
    assets: list[str]


def _settings(request: Request) -> ReportSettings:
    settings: ReportSettings = request.app.state.settings.reports
    return settings


def _serve(report: Report, request: Request, db: Database, caller: Caller, people: list[int],
           fmt: Format, lang: Lang | None, calendar: Calendar | None) -> Response:
    if fmt not in MEDIA:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "format: pdf or html")
    p = Presenter.of(_settings(request), lang=lang, calendar=calendar)
    try:
        data = render(report, fmt, p)
    except PdfUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
    if people:
        with db.write() as s:
            record_export(s, actor=caller.actor, document=report.kind, fmt=fmt.value,
                          people=people, number=report.number, destination="api")
    name = f"{report.kind}-{report.number}.{fmt.value}"
    return Response(data, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/documents/receipt", response_class=Response, openapi_extra=cli("assets receipt"))
def receipt(request: Request, caller: Writer, db: DB,
            asset: Annotated[list[str], Query(description="assets held by one person")],
            fmt: DocFormat = Format.PDF, lang: Lang | None = None,
            calendar: Calendar | None = None) -> Response:
    settings = _settings(request)
    req = ReportRequest(settings=settings, calendar=calendar or settings.calendar,
                        scope=caller.scope)
    with db.read() as s:
        report = build_documents.assignment_receipt(s, asset, req)
        people = [documents.receipt(s, asset, caller.scope).person.id or 0]
    return _serve(report, request, db, caller, people, fmt, lang, req.calendar)


@router.get("/documents/handover/{ref}", response_class=Response,
            openapi_extra=cli("people handover"))
def handover(ref: str, request: Request, caller: Writer, db: DB,
             number: int | None = None, fmt: DocFormat = Format.PDF,
             lang: Lang | None = None, calendar: Calendar | None = None) -> Response:
    """The handover list of person ``ref`` (their latest, or ``number``)."""
    settings = _settings(request)
    req = ReportRequest(settings=settings, calendar=calendar or settings.calendar,
                        scope=caller.scope)
    with db.read() as s:
        report = build_documents.handover_list(s, req, ref, number)
        h = documents.handover(s, ref, number, caller.scope)
        people = [p for p in (h.person.id, h.successor.id if h.successor else None) if p]
    return _serve(report, request, db, caller, people, fmt, lang, req.calendar)


@router.post("/people/{ref}/leave", openapi_extra=cli("people leave"))
def leave(ref: str, body: LeaveBody, caller: Writer, db: DB) -> HandoverPublic:
    """A staff change: everything the person holds goes to ``hand_to`` (or to stock)."""
    with db.write() as s:
        done = assets.person_leaves(s, ref, actor=caller.actor, hand_to=body.hand_to,
                                    scope=caller.scope)
        h = documents.handover(s, handover_id=done.id, scope=caller.scope)
        return HandoverPublic(number=done.id or 0, person=h.person.name,
                              successor=h.successor.name if h.successor else None,
                              assets=[assets.label(i.asset) for i in h.items])


@router.post("/write-offs", status_code=status.HTTP_201_CREATED,
             openapi_extra=cli("assets write-off"))
def create_write_off(body: writeoff.BatchCreate, request: Request, caller: Writer,
                     db: DB) -> dict[str, str]:
    """A write-off committee's batch: its assets are retired, all or none."""
    settings = _settings(request)
    with db.write() as s:
        batch = writeoff.create_batch(s, body, settings.write_off, utcnow().date(),
                                      actor=caller.actor, scope=caller.scope,
                                      default_life=settings.economic_life_years)
        return {"number": batch.number}


@router.get("/documents/write-off/{number}", response_class=Response,
            openapi_extra=cli("assets write-off-list"))
def write_off_list(number: str, request: Request, caller: Writer, db: DB,
                   fmt: DocFormat = Format.PDF, lang: Lang | None = None,
                   calendar: Calendar | None = None) -> Response:
    settings = _settings(request)
    req = ReportRequest(settings=settings, calendar=calendar or settings.calendar,
                        scope=caller.scope)
    with db.read() as s:
        report = build_writeoff.batch_list(s, number, req)
    return _serve(report, request, db, caller, [], fmt, lang, req.calendar)


@router.post("/people/{ref}/anonymise", openapi_extra=cli("people anonymise"))
def anonymise_person(ref: str, caller: Admin, db: DB) -> dict[str, str]:
    """Erase a departed person's personal data; their assets' history stays."""
    with db.write() as s:
        return {"name": anonymise.anonymise(s, ref, actor=caller.actor).name}


# ---- the reports of ``muniops report KIND``, each kind and format as a download ----

ReportKind = Annotated[str, FPath(description="The report kind.",
                                  json_schema_extra={"enum": list(REPORTS)})]
REPORT_MEDIA = {Format.CSV: "text/csv; charset=utf-8", Format.TABLE: "text/plain; charset=utf-8",
                Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                **MEDIA}


@router.get("/reports/{kind}", response_class=Response, tags=["reports"],
            openapi_extra=cli(*(f"report {k}" for k in REPORTS)))
def report(kind: ReportKind, request: Request, caller: AnyCaller, db: DB,
           fmt: Annotated[Format, Query(alias="format")] = Format.CSV,
           calendar: Calendar | None = None, lang: Lang | None = None,
           persian_digits: bool | None = None, section: str | None = None,
           from_: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD")] = None,
           to: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
           days: Annotated[int | None, Query(ge=0, le=36600)] = None,
           site: str | None = None, district: str | None = None, team: str | None = None,
           asset_kind: Annotated[AssetKind | None, Query(alias="kind")] = None,
           status: AssetStatus | None = None,
           period: Annotated[str | None, Query(
               description="kpis: biweekly, two-monthly or six-monthly")] = None) -> Response:
    """Report ``kind`` with the CLI's options; a liaison's holds only its district."""
    opts = ReportOptions(fmt=fmt, calendar=calendar, lang=lang, persian_digits=persian_digits,
                         section=section, date_from=from_, date_to=to, days=days, site=site,
                         district=district, team=team, kind=asset_kind, status=status,
                         period=period)
    made = produce(db, request.app.state.settings, kind, opts, caller.scope)
    record(db, made, actor=caller.actor, destination="api")
    name = f"{kind}.{'txt' if fmt is Format.TABLE else fmt.value}"
    return Response(made.data, media_type=REPORT_MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
