"""The committee's periods: bi-weekly (14 days from an anchor day), two-monthly and
six-monthly (calendar months of the Gregorian or the Jalali year)."""

from __future__ import annotations

from datetime import date, timedelta

import jdatetime

from muniops.collector.reports.calendars import format_date, ymd
from muniops.collector.reports.config import Calendar
from muniops.inventory.kpi_policy import KpiSettings, PeriodKind

MONTHS = {"two-monthly": 2, "six-monthly": 6}


def _first_of(year: int, month: int, cal: Calendar) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    if cal == Calendar.JALALI:
        gregorian: date = jdatetime.date(year, month, 1).togregorian()
        return gregorian
    return date(year, month, 1)


def period_of(kind: PeriodKind, day: date, settings: KpiSettings) -> tuple[date, date]:
    """The period of ``kind`` that ``day`` falls in: its first day and the day after it."""
    if kind == "biweekly":
        start = settings.biweekly_anchor + timedelta(days=14 * ((day - settings.biweekly_anchor)
                                                                .days // 14))
        return start, start + timedelta(days=14)
    cal = Calendar(settings.calendar)
    size = MONTHS[kind]
    year, month, _ = ymd(day, cal)
    first = (month - 1) // size * size + 1
    return _first_of(year, first, cal), _first_of(year, first + size, cal)


def periods_until(kind: PeriodKind, day: date, settings: KpiSettings, count: int
                  ) -> list[tuple[date, date]]:
    """``count`` periods, oldest first, the last being the one ``day`` falls in."""
    out = [period_of(kind, day, settings)]
    while len(out) < count:
        out.insert(0, period_of(kind, out[0][0] - timedelta(days=1), settings))
    return out


def label(period: tuple[date, date], settings: KpiSettings) -> str:
    cal = Calendar(settings.calendar)
    return f"{format_date(period[0], cal)} – {format_date(period[1] - timedelta(days=1), cal)}"
