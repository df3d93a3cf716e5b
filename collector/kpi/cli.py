"""``muniops kpis``: the indicators against their targets for a period, and the state
sampling the availability and compliance indicators count on."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.collector.kpi.figures import context_of, figures
from muniops.inventory import kpis
from muniops.inventory.errors import InvalidInput
from muniops.inventory.kpi_policy import PERIOD_KINDS, PeriodKind
from muniops.inventory.pm import local_day
from muniops.inventory.types import utcnow

app = typer.Typer(help="Performance indicators against their targets, by period.",
                  no_args_is_help=True)

COLUMNS = ["indicator", "district", "site", "target", "actual", "met", "previous", "change"]


def period_kind(value: str) -> PeriodKind:
    if value not in PERIOD_KINDS:
        raise InvalidInput("period", f"expected one of {', '.join(PERIOD_KINDS)}, "
                                     f"got {value!r}")
    return value


def day_of(value: str | None, tz: str) -> date:
    if value is None:
        return local_day(utcnow(), tz)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("day", f"expected a Gregorian date YYYY-MM-DD, got {value!r}"
                           ) from None


@app.command("show")
def show(
    period: Annotated[str, typer.Option(help="biweekly, two-monthly or six-monthly.")]
    = "two-monthly",
    day: Annotated[str | None, typer.Option(
        help="A day in the period, YYYY-MM-DD (default today).")] = None,
    indicator: Annotated[str | None, typer.Option(help="Only this indicator.")] = None,
    district: Annotated[str | None, typer.Option(help="Only this district.")] = None,
    json: Json = False,
) -> None:
    """Each indicator's target, actual and change since the previous period, for the
    municipality, each district and each site."""
    settings = state.settings
    kind = period_kind(period)
    with state.database().read() as s:
        rows = figures(s, settings.kpis, context_of(settings), kind,
                       day_of(day, settings.kpis.timezone), utcnow(), only=indicator)
    if district:
        rows = [r for r in rows if r.district == district]
    if json:
        emit_json(rows)
        return
    title = f"Indicators, {kind} period {rows[0].start} – {rows[0].end}" if rows else \
        "Indicators (none configured: see kpis.indicators)"
    table(rows, COLUMNS, title=title)


@app.command("sample")
def sample() -> None:
    """Record the link, antivirus and configuration-backup states that changed (what the
    service's ``kpi-sample`` job does)."""
    settings = state.settings
    with state.database().write() as s:
        changed = kpis.sample_states(s, context_of(settings))
    done(f"{changed} state change(s) recorded")
