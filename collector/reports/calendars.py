"""Dates as people read them: Gregorian or Jalali (Solar Hijri), in a site's time zone,
with ASCII or Persian digits. The store keeps UTC; only presentation converts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import jdatetime

from muniops.collector.reports.config import Calendar

# digits, and the Persian decimal and thousands separators and percent sign (٫ ٬ ٪)
PERSIAN_DIGITS = str.maketrans("0123456789.,%", "۰۱۲۳۴۵۶۷۸۹٫٬٪")


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


# month and weekday names: (English, Persian, Turkish)
GREGORIAN_MONTHS = (
    ("January", "ژانویه", "Ocak"), ("February", "فوریه", "Şubat"), ("March", "مارس", "Mart"),
    ("April", "آوریل", "Nisan"), ("May", "مه", "Mayıs"), ("June", "ژوئن", "Haziran"),
    ("July", "ژوئیه", "Temmuz"), ("August", "اوت", "Ağustos"),
    ("September", "سپتامبر", "Eylül"), ("October", "اکتبر", "Ekim"),
    ("November", "نوامبر", "Kasım"), ("December", "دسامبر", "Aralık"))
JALALI_MONTHS = (
    ("Farvardin", "فروردین", "Ferverdin"), ("Ordibehesht", "اردیبهشت", "Ordibehişt"),
    ("Khordad", "خرداد", "Hordad"), ("Tir", "تیر", "Tir"), ("Mordad", "مرداد", "Mordad"),
    ("Shahrivar", "شهریور", "Şehriver"), ("Mehr", "مهر", "Mehr"), ("Aban", "آبان", "Aban"),
    ("Azar", "آذر", "Azer"), ("Dey", "دی", "Dey"), ("Bahman", "بهمن", "Behmen"),
    ("Esfand", "اسفند", "Esfend"))
WEEKDAYS = (  # Monday first, as date.weekday()
    ("Monday", "دوشنبه", "Pazartesi"), ("Tuesday", "سه‌شنبه", "Salı"),
    ("Wednesday", "چهارشنبه", "Çarşamba"), ("Thursday", "پنجشنبه", "Perşembe"),
    ("Friday", "جمعه", "Cuma"), ("Saturday", "شنبه", "Cumartesi"), ("Sunday", "یکشنبه", "Pazar"))
_LANG_INDEX = {"en": 0, "fa": 1, "tr": 2}


def month_name(month: int, cal: Calendar, lang: str) -> str:
    names = JALALI_MONTHS if cal == Calendar.JALALI else GREGORIAN_MONTHS
    return names[month - 1][_LANG_INDEX[lang]]


def weekday_name(day: date, lang: str) -> str:
    return WEEKDAYS[day.weekday()][_LANG_INDEX[lang]]


def month_title(month: tuple[int, int], cal: Calendar, lang: str) -> str:
    """``آذر 1405``, ``Azar 1405``, ``January 2026`` (digits converted by the caller)."""
    return f"{month_name(month[1], cal, lang)} {month[0]}"


def long_date(day: date, cal: Calendar, lang: str) -> str:
    """The date as a letter is dated: ``شنبه ۱۵ آذر ۱۴۰۵`` (ASCII digits here),
    ``Cumartesi, 6 Aralık 2026``, ``Saturday, 6 December 2026``."""
    y, m, d = ymd(day, cal)
    sep = " " if lang == "fa" else ", "
    return f"{weekday_name(day, lang)}{sep}{d} {month_name(m, cal, lang)} {y}"


def week_start(day: date, cal: Calendar) -> date:
    """The first day of the week holding ``day``: Saturday in Iran (the Jalali calendar),
    Monday elsewhere (ISO)."""
    first = 5 if cal == Calendar.JALALI else 0  # date.weekday(): Monday 0 … Saturday 5
    return day - timedelta(days=(day.weekday() - first) % 7)
