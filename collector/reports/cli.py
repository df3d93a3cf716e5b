"""``muniops report KIND``: the reports the department hands in, in the format, calendar and
language asked for (defaults from ``reports:`` in the configuration)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.output import done
from muniops.collector.reports.config import Calendar, Format, Lang
from muniops.collector.reports.files import format_of, write_report
from muniops.collector.reports.kinds import REPORTS
from muniops.collector.reports.model import Report
from muniops.collector.reports.pdf import PdfUnavailable
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.produce import ReportOptions, produce, record
from muniops.collector.reports.request import ReportRequest
from muniops.inventory.errors import InvalidInput
from muniops.inventory.exports import record_export
from muniops.inventory.models import AssetKind, AssetStatus

app = typer.Typer(help="Reports: PM, antivirus, assets, warranty, retirement, activity.",
                  no_args_is_help=True)

HELP = {
    "pm-schedule": "PM tasks per site, team and month (default: the next 6 months).",
    "pm-completion": "PM done, skipped and overdue by district (default: the last 6 months).",
    "antivirus": "Antivirus compliance: the fleet's share and the hosts that fail, and why.",
    "assets": "The asset register, filtered by --kind, --status, --site, --district.",
    "warranty": "Warranties ending within --days, and open repair tickets with their age.",
    "retirement": "Assets past their economic life (purchase date plus life in years).",
    "activity": "Weekly activity: new and changed assets, repairs, PM, devices seen.",
    "licences": "Software without a licence, over-deployed and expiring licences, denied "
                "software (--days: expiring within).",
    "write-off": "Write-off candidates: past economic life or repeatedly repaired.",
    "reuse": "Old PCs worth upgrading (memory, SSD) and reusing, from the agents' facts.",
    "backups": "Daily backups: each server's backups, their state, age, size and change.",
    "kpis": "Indicators vs targets for a --period (biweekly, two-monthly, six-monthly) "
            "that --from falls in, by district, with the previous periods.",
}


def _command(kind: str) -> Callable[..., None]:
    def command(
        fmt: Annotated[Format | None, typer.Option("--format", "-f", help="Output format.")]
        = None,
        calendar: Annotated[Calendar | None, typer.Option(help="Calendar of dates.")] = None,
        lang: Annotated[Lang | None, typer.Option(help="Language of labels.")] = None,
        persian_digits: Annotated[bool | None, typer.Option(
            "--persian-digits/--latin-digits", help="Digits in table, HTML and PDF.",
            show_default=False)] = None,
        output: Annotated[Path | None, typer.Option(
            "--output", "-o", help="Write to this file (default: standard output).")] = None,
        section: Annotated[str | None, typer.Option(help="Only this section.")] = None,
        from_: Annotated[str | None, typer.Option(
            "--from", help="Period start, YYYY-MM-DD (Gregorian).")] = None,
        to: Annotated[str | None, typer.Option(help="Period end, YYYY-MM-DD.")] = None,
        days: Annotated[int | None, typer.Option(help="Look-ahead in days (warranty).")] = None,
        site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
        district: Annotated[str | None, typer.Option(help="Only this district.")] = None,
        team: Annotated[str | None, typer.Option(help="Only this PM team.")] = None,
        kind_: Annotated[AssetKind | None, typer.Option("--kind", help="Only this kind.")]
        = None,
        status: Annotated[AssetStatus | None, typer.Option(help="Only this status.")] = None,
        period: Annotated[str | None, typer.Option(
            help="kpis: biweekly, two-monthly or six-monthly.")] = None,
    ) -> None:
        settings = state.settings
        chosen = fmt or (_format_of(output) if output else settings.reports.format)
        opts = ReportOptions(
            fmt=chosen, calendar=calendar, lang=lang, persian_digits=persian_digits,
            section=section, date_from=from_, date_to=to, days=days, site=site,
            district=district, team=team, kind=kind_, status=status, period=period)
        made = produce(state.database(), settings, kind, opts)
        if output is None and chosen in (Format.XLSX, Format.PDF) and sys.stdout.isatty():
            raise InvalidInput("output", f"{chosen.value} is binary: give --output FILE")
        record(state.database(), made, actor=state.actor, destination=str(output or "stdout"))
        data = made.data
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        output.write_bytes(data)
        done(f"{kind} report written to {output} ({chosen.value}, {len(data):,} bytes)")

    command.__doc__ = HELP[kind]
    return command


def _format_of(path: Path) -> Format:
    """The format a file name asks for (``.xlsx``, ``.pdf``...), else a terminal table."""
    suffix = path.suffix.lower().lstrip(".")
    return Format(suffix) if suffix in Format.__members__.values() else Format.TABLE


for _kind in REPORTS:
    app.command(_kind)(_command(_kind))


# ---- documents printed by other commands (assets assign --receipt, people leave) ----

def write_document(report: Report, output: Path, *, lang: Lang | None,
                   calendar: Calendar | None, people: list[int]) -> None:
    """Write a document naming people to ``output`` (PDF unless the name says otherwise)
    and record the export of their personal data in the audit log."""
    defaults = state.settings.reports
    presenter = Presenter.of(defaults, lang=lang, calendar=calendar)
    fmt = format_of(output)
    try:
        size = write_report(report, output, presenter, fmt)
    except PdfUnavailable as exc:
        raise InvalidInput("format", str(exc)) from None
    if people:
        with state.database().write() as s:
            record_export(s, actor=state.actor, document=report.kind, fmt=fmt.value,
                          people=people, number=report.number, destination=str(output))
    done(f"{report.kind} written to {output} ({fmt.value}, {size:,} bytes)")


def document_request(calendar: Calendar | None) -> ReportRequest:
    settings = state.settings
    return ReportRequest(settings=settings.reports, pm=settings.pm,
                         calendar=calendar or settings.reports.calendar)
