"""``muniops report KIND``: the reports the department hands in, in the format, calendar and
language asked for (defaults from ``reports:`` in the configuration)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.output import done
from muniops.collector.reports.config import Calendar, Format, Lang
from muniops.collector.reports.kinds import REPORTS, build
from muniops.collector.reports.pdf import PdfUnavailable
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.render import render
from muniops.collector.reports.request import ReportRequest
from muniops.inventory.errors import InvalidInput
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
    "backups": "Daily backups: each server's backups, their state, age, size and change.",
    "kpis": "Indicators vs targets for a --period (biweekly, two-monthly, six-monthly) "
            "that --from falls in, by district, with the previous periods.",
}


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(name, f"expected a Gregorian date YYYY-MM-DD, got {value!r}") from None


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
        defaults = settings.reports
        req = ReportRequest(
            settings=defaults, pm=settings.pm, antivirus=settings.agents.antivirus,
            calendar=calendar or defaults.calendar,
            date_from=_date(from_, "from"), date_to=_date(to, "to"), days=days, site=site,
            district=district, team=team, kind=kind_, status=status,
            backups=settings.backups, kpis=settings.kpis, period=period)
        language = lang or defaults.lang
        presenter = Presenter(
            lang=language, calendar=req.calendar,
            persian_digits=defaults.persian_digits if persian_digits is None else persian_digits)
        with state.database().read() as s:
            report = build(s, kind, req)
        chosen = fmt or (_format_of(output) if output else defaults.format)
        try:
            data = render(report, chosen, presenter, section)
        except ValueError as exc:
            raise InvalidInput("section", str(exc)) from None
        except PdfUnavailable as exc:
            raise InvalidInput("format", str(exc)) from None
        if output is None:
            if chosen in (Format.XLSX, Format.PDF) and sys.stdout.isatty():
                raise InvalidInput("output", f"{chosen.value} is binary: give --output FILE")
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
