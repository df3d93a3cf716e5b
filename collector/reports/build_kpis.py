"""The monitoring committee's report: each indicator's target and actual for the period
(bi-weekly, two-monthly or six-monthly, in the configured calendar), met or not, the change
since the previous period, by district and site, and each indicator across the last
periods. Shares are shown as percentages, turnaround in days."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from muniops.collector.kpi.figures import ALL, Figure, figures
from muniops.collector.kpi.periods import label, periods_until
from muniops.collector.reports.model import (
    Chart,
    ChartKind,
    Column,
    ColumnType,
    Report,
    Section,
)
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import kpis
from muniops.inventory.errors import InvalidInput
from muniops.inventory.kpi_policy import PERIOD_KINDS, PeriodKind

T = ColumnType


def shown(value: float | None, fig: Figure) -> float | None:
    """A share as a percentage, days as days, both to two decimals."""
    if value is None:
        return None
    return round(value if fig.lower_is_better else 100 * value, 2)


def _unit(fig: Figure) -> str:
    return "days" if fig.lower_is_better else "percent"


def _met(fig: Figure) -> str:
    return "" if fig.met is None else "yes" if fig.met else "no"


def _kind(req: ReportRequest) -> PeriodKind:
    kind = req.period or "two-monthly"
    if kind not in PERIOD_KINDS:
        raise InvalidInput("period", f"unknown period {kind!r}; known: "
                                     f"{', '.join(PERIOD_KINDS)}")
    return kind


def kpi_report(session: Session, req: ReportRequest) -> Report:
    kind = _kind(req)
    ctx = kpis.Context(req.kpis, req.backups, req.antivirus)
    day = req.date_from or req.now.astimezone(ZoneInfo(req.kpis.timezone)).date()
    rows = figures(session, req.kpis, ctx, kind, day, req.now, req.scope)
    value_cols = [Column("unit", T.LABEL), Column("target", T.NUMBER),
                  Column("actual", T.NUMBER), Column("met", T.LABEL),
                  Column("previous", T.NUMBER), Column("change", T.NUMBER)]
    overall = Section("kpi_municipality", [Column("indicator", T.LABEL), *value_cols])
    local = Section("kpi_districts", [Column("indicator", T.LABEL), Column("district"),
                                      Column("site"), *value_cols])
    for f in rows:
        values = (_unit(f), shown(f.target, f), shown(f.actual, f), _met(f),
                  shown(f.previous, f), shown(f.change, f))
        if f.district == ALL:
            overall.rows.append((f.indicator, *values))
        else:
            local.rows.append((f.indicator, f.district, f.site or "", *values))
    history = Section("kpi_history", [Column("indicator", T.LABEL), Column("period"),
                                      Column("unit", T.LABEL), Column("target", T.NUMBER),
                                      Column("actual", T.NUMBER), Column("met", T.LABEL)])
    periods = periods_until(kind, day, req.kpis, req.kpis.report_periods)
    for first, _after in periods:
        for f in figures(session, req.kpis, ctx, kind, first, req.now, req.scope):
            if f.district == ALL or (req.scope.is_limited and f.site is None):
                history.rows.append((f.indicator, label((f.start, f.end), req.kpis), _unit(f),
                                     shown(f.target, f), shown(f.actual, f), _met(f)))
    history.rows.sort(key=lambda r: (str(r[0]),))
    charts = _history_charts(history)
    met = sum(1 for f in rows if f.district == ALL and f.met)
    measured = sum(1 for f in rows if f.district == ALL and f.met is not None)
    start, end = rows[0].start if rows else day, rows[0].end if rows else day
    return Report(kind="kpis", generated_at=req.now, timezone=req.settings.timezone,
                  period=(start, end),
                  summary=[("period_kind", kind, T.LABEL), ("indicators_met", met, T.INT),
                           ("indicators_measured", measured, T.INT)],
                  sections=[overall, local, history], charts=charts)


def _history_charts(history: Section) -> list[Chart]:
    """One chart per indicator: what was achieved in each period beside the target (in
    the indicator's unit, as the history table shows it). The periods come in order."""
    charts = []
    for indicator in dict.fromkeys(r[0] for r in history.rows):
        rows = [r for r in history.rows if r[0] == indicator]
        charts.append(Chart(str(indicator), [r[1] for r in rows],
                            [("actual", [float(r[4]) if r[4] is not None else 0.0
                                         for r in rows]),
                             ("target", [float(r[3]) if r[3] is not None else 0.0
                                         for r in rows])],
                            ChartKind.BAR, value_type=T.NUMBER))
    return charts
