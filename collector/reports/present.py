"""Turning a report's typed values into what people read, in a language and calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from muniops.collector.reports.calendars import (
    format_date,
    format_datetime,
    format_month,
    to_persian_digits,
)
from muniops.collector.reports.config import Calendar, Lang
from muniops.collector.reports.i18n import t
from muniops.collector.reports.model import Column, ColumnType, Report


@dataclass(frozen=True)
class Presenter:
    lang: Lang = Lang.EN
    calendar: Calendar = Calendar.GREGORIAN
    persian_digits: bool = False

    def label(self, key: str) -> str:
        text = t(key, self.lang)
        return text[:1].upper() + text[1:] if self.lang == Lang.EN else text

    def title(self, report: Report) -> str:
        return t(f"title_{report.kind}", self.lang)

    def digits(self, text: str) -> str:
        return to_persian_digits(text) if self.persian_digits else text

    def text(self, value: Any, ctype: ColumnType, *, digits: bool = True) -> str:
        """A cell as text; ``digits=False`` keeps ASCII digits (CSV, machine readers)."""
        out = self._text(value, ctype)
        # names and tags keep their own digits (PC-1 stays PC-1); numbers and dates convert
        numeric = ctype not in (ColumnType.TEXT, ColumnType.LABEL)
        return self.digits(out) if digits and numeric else out

    def _text(self, value: Any, ctype: ColumnType) -> str:
        if value is None or value == "":
            return ""
        if ctype == ColumnType.LABEL:
            return t(str(value), self.lang)
        if ctype == ColumnType.PERCENT:
            return f"{float(value) * 100:.1f}%"
        if ctype == ColumnType.MONTH:
            return format_month(value)
        if ctype == ColumnType.NUMBER:
            return f"{float(value):,.2f}".rstrip("0").rstrip(".")
        if isinstance(value, datetime):
            return format_datetime(value, self.calendar)
        if isinstance(value, date):
            return format_date(value, self.calendar)
        return str(value)

    def cells(self, columns: list[Column], row: tuple[Any, ...], *,
              digits: bool = True) -> list[str]:
        return [self.text(v, c.type, digits=digits) for c, v in zip(columns, row, strict=True)]

    def period(self, report: Report, *, digits: bool = True) -> str:
        if report.period is None:
            return ""
        start, end = (self.text(d, ColumnType.DATE, digits=digits) for d in report.period)
        return f"{start} – {end}"

    def generated(self, report: Report, *, digits: bool = True) -> str:
        from muniops.inventory.pm import zone

        moment = report.generated_at.astimezone(zone(report.timezone))
        return self.text(moment, ColumnType.DATETIME, digits=digits) + f" ({report.timezone})"

    def missing(self, source: str) -> str:
        return t(f"missing_source_{source}", self.lang)
