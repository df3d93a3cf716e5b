"""Turning a report's typed values into what people read, in a language and calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from muniops.collector.reports.calendars import (
    format_date,
    format_datetime,
    long_date,
    month_title,
    to_persian_digits,
)
from muniops.collector.reports.config import (
    DEFAULT_SIGNERS,
    Calendar,
    Lang,
    Organisation,
    ReportSettings,
    Signer,
)
from muniops.collector.reports.i18n import LABELS, reason, t, zone_label
from muniops.collector.reports.model import Column, ColumnType, Report, Section


def zone_of(moment: datetime) -> str:
    """The IANA name of the zone a time carries (``Asia/Tehran``), else its offset."""
    tz = moment.tzinfo
    return tz.key if isinstance(tz, ZoneInfo) else moment.strftime("UTC%z")


@dataclass(frozen=True)
class Presenter:
    lang: Lang = Lang.EN
    calendar: Calendar = Calendar.GREGORIAN
    persian_digits: bool = False
    # configured translations of the register's own values (team names, checklist items)
    translations: dict[str, dict[Lang, str]] = field(default_factory=dict, compare=False)
    # the letterhead and the signature lines per report kind (``reports:`` settings)
    org: Organisation = field(default_factory=Organisation, compare=False)
    signatures: dict[str, list[Signer]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, settings: ReportSettings, *, lang: Lang | None = None,
           calendar: Calendar | None = None, persian_digits: bool | None = None) -> Presenter:
        """A presenter with the configured defaults, each overridable by the caller."""
        return cls(lang=lang or settings.lang, calendar=calendar or settings.calendar,
                   persian_digits=settings.persian_digits if persian_digits is None
                   else persian_digits,
                   translations=settings.translations, org=settings.organisation,
                   signatures=settings.signatures)

    def signers(self, kind: str) -> list[Signer]:
        return self.signatures.get(kind) or self.signatures.get("default") or DEFAULT_SIGNERS

    def label(self, key: str) -> str:
        """A heading: capitalised in English and Turkish (Turkish i → İ); Persian has no
        case."""
        text = t(key, self.lang)
        if self.lang == Lang.FA or not text:
            return text
        first = "İ" if self.lang == Lang.TR and text[0] == "i" else text[0].upper()
        return first + text[1:]

    def value(self, slug: str) -> str:
        """A value of the register in the report's language: configured, built in, or as
        stored (a site's name needs no translation)."""
        configured = self.translations.get(slug, {})
        if self.lang in configured:
            return configured[self.lang]
        if slug in LABELS:
            return t(slug, self.lang)
        return reason(slug, self.lang) or slug

    def title(self, report: Report) -> str:
        return t(f"title_{report.kind}", self.lang)

    def digits(self, text: str) -> str:
        return to_persian_digits(text) if self.persian_digits else text

    def text(self, value: Any, ctype: ColumnType, *, digits: bool = True,
             zone: bool = True) -> str:
        """A cell as text; ``digits=False`` keeps ASCII digits (CSV, machine readers);
        ``zone=False`` leaves a time's zone to the column header."""
        out = self._text(value, ctype)
        if zone and ctype == ColumnType.DATETIME and isinstance(value, datetime):
            out = f"{out} {zone_label(zone_of(value), self.lang)}"
        # names and tags keep their own digits (PC-1 stays PC-1); numbers and dates convert
        numeric = ctype not in (ColumnType.TEXT, ColumnType.LABEL, ColumnType.LABELS)
        return self.digits(out) if digits and numeric else out

    def _text(self, value: Any, ctype: ColumnType) -> str:
        if value is None or value == "":
            return ""
        if ctype == ColumnType.LABEL:
            return self.value(str(value))
        if ctype == ColumnType.LABELS:
            sep = "، " if self.lang == Lang.FA else ", "
            return sep.join(self.value(str(v)) for v in value)
        if ctype == ColumnType.PERCENT:
            return f"{float(value) * 100:.1f}%"
        if ctype == ColumnType.MONTH:
            return month_title(value, self.calendar, self.lang.value)
        if ctype == ColumnType.NUMBER:
            return f"{float(value):,.2f}".rstrip("0").rstrip(".")
        if isinstance(value, datetime):
            return format_datetime(value, self.calendar)
        if isinstance(value, date):
            return format_date(value, self.calendar)
        return str(value)

    def zone_label(self, value: Any) -> str:
        """The name of the zone a time is shown in, as its cell ends with it."""
        return zone_label(zone_of(value), self.lang) if isinstance(value, datetime) else ""

    def column_zones(self, section: Section) -> dict[int, str]:
        """Time columns whose every time is in one zone: that zone is named once, in the
        header, rather than in every cell."""
        out: dict[int, str] = {}
        for index, column in enumerate(section.columns):
            if column.type != ColumnType.DATETIME:
                continue
            zones = {zone_of(r[index]) for r in section.rows if isinstance(r[index], datetime)}
            if len(zones) == 1:
                out[index] = zones.pop()
        return out

    def headers(self, section: Section, zones: dict[int, str] | None = None) -> list[str]:
        zones = self.column_zones(section) if zones is None else zones
        return [self.label(c.key) + (f" ({zone_label(zones[i], self.lang)})" if i in zones
                                     else "") for i, c in enumerate(section.columns)]

    def cells(self, columns: list[Column], row: tuple[Any, ...], *,
              digits: bool = True, zones: dict[int, str] | None = None) -> list[str]:
        """A row's cells; a time in a column of ``zones`` leaves its zone to the header."""
        named = zones or {}
        return [self.text(v, c.type, digits=digits, zone=i not in named)
                for i, (c, v) in enumerate(zip(columns, row, strict=True))]

    def period(self, report: Report, *, digits: bool = True) -> str:
        if report.period is None:
            return ""
        start, end = (self.text(d, ColumnType.DATE, digits=digits) for d in report.period)
        return f"{start} – {end}"

    def generated(self, report: Report, *, digits: bool = True) -> str:
        from muniops.inventory.pm import zone

        moment = report.generated_at.astimezone(zone(report.timezone))
        return self.text(moment, ColumnType.DATETIME, digits=digits)

    def long_date(self, day: date) -> str:
        """The date a document is dated, with its weekday and month name."""
        return self.digits(long_date(day, self.calendar, self.lang.value))

    def missing(self, source: str) -> str:
        return t(f"missing_source_{source}", self.lang)
