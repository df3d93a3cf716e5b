"""Indicator figures for a period, per site, district and the whole municipality, with
the target, whether it was met, and the change since the previous period.

Each site's period is of its own calendar (``kpis.sites``, else ``kpis.calendar``): a
Jalali site's two-monthly period starts on the 1st of a Jalali month while a Gregorian
one's starts on the 1st of a Gregorian month. A district's (and the municipality's)
figure is the sum of its sites' tallies, each over that site's period — what the
recording rules sum too; its dates are the sites' common period, or the span of them
(calendar ``mixed``) where its sites follow different calendars."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session, select

from muniops.collector.core.settings import Settings
from muniops.collector.kpi.periods import period_of
from muniops.inventory import kpis
from muniops.inventory.kpi_policy import Indicator, KpiSettings, PeriodKind
from muniops.inventory.models import Site
from muniops.inventory.scope import EVERYWHERE, Scope

ALL = "(all)"  # the municipality's row, over the districts the indicator applies to


class Figure(BaseModel):
    indicator: str
    period: PeriodKind
    start: date
    end: date  # the last day of the period
    calendar: str  # the period's calendar; "mixed" for a total over sites of several
    district: str  # ALL for the municipality
    site: str | None  # None: the district's (or municipality's) total
    target: float
    actual: float | None
    met: bool | None
    previous: float | None
    change: float | None
    numerator: float
    denominator: float
    lower_is_better: bool


Leaves = dict[tuple[str, str], kpis.Tally]  # by (district, site); ("", "") for no site
Period = tuple[date, date]  # first day, the day after the last
# a leaf with the calendar and period it was counted over
Placed = dict[tuple[str, str], tuple[kpis.Tally, str, Period]]


def leaves(session: Session, ind: Indicator, window: kpis.Window, ctx: kpis.Context,
           scope: Scope) -> Leaves:
    """The indicator's tallies by site over one window, for the districts it applies to
    and the caller sees."""
    sites = {s.id: s for s in session.exec(select(Site))}
    out: Leaves = defaultdict(kpis.Tally)
    for site_id, tally in kpis.compute(session, ind, window, ctx).items():
        site = sites.get(site_id)
        district = site.district if site else ""
        if ind.districts and district not in ind.districts:
            continue
        if scope.district is not None and district != scope.district:
            continue
        out[(district, site.name if site else "")].add(tally.num, tally.den)
    return out


def _period(kind: PeriodKind, day: date, settings: KpiSettings, back: int) -> Period:
    period = period_of(kind, day, settings)
    for _ in range(back):
        period = period_of(kind, period[0] - timedelta(days=1), settings)
    return period


def placed_leaves(session: Session, ind: Indicator, kind: PeriodKind, day: date,
                  settings: KpiSettings, ctx: kpis.Context, scope: Scope, now: datetime,
                  back: int = 0) -> Placed:
    """Each site's tally over its own calendar's ``kind`` period that ``day`` falls in
    (``back`` periods earlier); what has no site counts in ``kpis.calendar``. One
    computation per calendar and zone in use."""
    def key(cal: KpiSettings) -> tuple[str, str]:
        return cal.calendar, cal.timezone

    calendars = {key(settings): settings}
    for name in sorted(settings.sites):
        calendars.setdefault(key(settings.for_site(name)), settings.for_site(name))
    out: Placed = {}
    for which, cal in calendars.items():
        period = _period(kind, day, cal, back)
        found = leaves(session, ind, kpis.Window(*period, cal.timezone, now), ctx, scope)
        for (district, site), tally in found.items():
            if key(settings.for_site(site)) == which:
                out[(district, site)] = (tally, cal.calendar, period)
    return out


def site_leaves(placed: Placed) -> Leaves:
    """The tallies alone (what the metrics expose; every total is a sum of these)."""
    return {key: tally for key, (tally, _cal, _period) in placed.items()}


Row = tuple[kpis.Tally, str, Period]


def _rows(found: Placed, scope: Scope) -> dict[tuple[str, str | None], Row]:
    """Tallies by (district, site), (district, None) and (ALL, None), each with its
    calendar and period (a total's: its sites' common one, else their span, "mixed")."""
    parts: dict[tuple[str, str | None], list[Row]] = defaultdict(list)
    for (district, site), row in found.items():
        keys: list[tuple[str, str | None]] = [(district, site), (district, None)] if site else []
        if not scope.is_limited:
            keys.append((ALL, None))
        for key in keys:
            parts[key].append(row)
    out: dict[tuple[str, str | None], Row] = {}
    for key, rows in parts.items():
        total = kpis.Tally()
        for tally, _cal, _period in rows:
            total.add(tally.num, tally.den)
        if len({(cal, period) for _t, cal, period in rows}) == 1:
            out[key] = (total, rows[0][1], rows[0][2])
        else:
            out[key] = (total, "mixed", (min(r[2][0] for r in rows), max(r[2][1] for r in rows)))
    return out


def figures(session: Session, settings: KpiSettings, ctx: kpis.Context, kind: PeriodKind,
            day: date, now: datetime, scope: Scope = EVERYWHERE,
            only: str | None = None) -> list[Figure]:
    """Every configured indicator for the ``kind`` period ``day`` falls in (each site's
    of its own calendar)."""
    out = []
    for ind in settings.indicators:
        if only and ind.name != only:
            continue
        now_rows = _rows(placed_leaves(session, ind, kind, day, settings, ctx, scope, now),
                         scope)
        old_rows = _rows(placed_leaves(session, ind, kind, day, settings, ctx, scope, now,
                                       back=1), scope)
        for (district, site), (tally, cal, period) in sorted(
                now_rows.items(), key=lambda kv: (kv[0][0] != ALL, kv[0][0], kv[0][1] or "")):
            actual = tally.value
            prev = old_rows[(district, site)][0].value if (district, site) in old_rows else None
            out.append(Figure(
                indicator=ind.name, period=kind, start=period[0],
                end=period[1] - timedelta(days=1), calendar=cal, district=district,
                site=site, target=ind.target, actual=actual, met=ind.met(actual),
                previous=prev,
                change=actual - prev if actual is not None and prev is not None else None,
                numerator=tally.num, denominator=tally.den,
                lower_is_better=ind.lower_is_better))
    return out


def context_of(settings: Settings) -> kpis.Context:
    """The policies the indicators read, from the collector's settings."""
    return kpis.Context(settings.kpis, settings.backups, settings.agents.antivirus)
