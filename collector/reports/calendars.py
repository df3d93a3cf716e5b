"""Dates as people read them: Gregorian or Jalali (Solar Hijri), in a site's time zone,
with ASCII or Persian digits. The store keeps UTC; only presentation converts."""

from __future__ import annotations

from datetime import date, datetime

import jdatetime

from muniops.collector.reports.config import Calendar

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def to_persian_digits(text: str) -> str:
    return text.translate(PERSIAN_DIGITS)


def ymd(day: date, cal: Calendar) -> tuple[int, int, int]:
    """Year, month, day of ``day`` in ``cal``."""
    if cal == Calendar.JALALI:
        j = jdatetime.date.fromgregorian(date=day)
        return j.year, j.month, j.day
    return day.year, day.month, day.day


def format_date(day: date, cal: Calendar) -> str:
    """``2024-03-20`` or, in Jalali, ``1403-01-01``."""
    y, m, d = ymd(day, cal)
    return f"{y:04d}-{m:02d}-{d:02d}"


def format_datetime(moment: datetime, cal: Calendar) -> str:
    """Date and minute in the zone ``moment`` carries (reports convert to the site's)."""
    return f"{format_date(moment.date(), cal)} {moment:%H:%M}"


def month_of(day: date, cal: Calendar) -> tuple[int, int]:
    y, m, _ = ymd(day, cal)
    return y, m


def format_month(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"
