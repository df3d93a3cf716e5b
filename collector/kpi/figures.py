"""Indicator figures for a period, per site, district and the whole municipality, with
the target, whether it was met, and the change since the previous period."""

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


def leaves(session: Session, ind: Indicator, window: kpis.Window, ctx: kpis.Context,
           scope: Scope) -> Leaves:
    """The indicator's tallies by site, for the districts it applies to and the caller sees
    (what the metrics expose; every total is a sum of these)."""
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


def _rows(found: Leaves, scope: Scope) -> dict[tuple[str, str | None], kpis.Tally]:
    """Tallies by (district, site), (district, None) and (ALL, None)."""
    out: dict[tuple[str, str | None], kpis.Tally] = defaultdict(kpis.Tally)
    for (district, site), tally in found.items():
        keys: list[tuple[str, str | None]] = [(district, site), (district, None)] if site else []
        if not scope.is_limited:
            keys.append((ALL, None))
        for key in keys:
            out[key].add(tally.num, tally.den)
    return out


def figures(session: Session, settings: KpiSettings, ctx: kpis.Context, kind: PeriodKind,
            day: date, now: datetime, scope: Scope = EVERYWHERE,
            only: str | None = None) -> list[Figure]:
    """Every configured indicator for the ``kind`` period ``day`` falls in."""
    period = period_of(kind, day, settings)
    before = period_of(kind, period[0] - timedelta(days=1), settings)
    out = []
    for ind in settings.indicators:
        if only and ind.name != only:
            continue
        now_rows = _rows(leaves(session, ind, kpis.Window(*period, settings.timezone, now),
                                ctx, scope), scope)
        old_rows = _rows(leaves(session, ind, kpis.Window(*before, settings.timezone, now),
                                ctx, scope), scope)
        for (district, site), tally in sorted(now_rows.items(),
                                              key=lambda kv: (kv[0][0] != ALL, kv[0][0],
                                                              kv[0][1] or "")):
            actual = tally.value
            prev = old_rows[(district, site)].value if (district, site) in old_rows else None
            out.append(Figure(
                indicator=ind.name, period=kind, start=period[0],
                end=period[1] - timedelta(days=1), district=district,
                site=site, target=ind.target, actual=actual, met=ind.met(actual),
                previous=prev,
                change=actual - prev if actual is not None and prev is not None else None,
                numerator=tally.num, denominator=tally.den,
                lower_is_better=ind.lower_is_better))
    return out


def context_of(settings: Settings) -> kpis.Context:
    """The policies the indicators read, from the collector's settings."""
    return kpis.Context(settings.kpis, settings.backups, settings.agents.antivirus)
