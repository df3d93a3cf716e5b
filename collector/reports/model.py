"""A report as data: sections of typed columns and rows, before any calendar, language or
format is applied. Builders fill it from the store; renderers only present it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class ColumnType(StrEnum):
    TEXT = "text"
    LABEL = "label"  # a slug translated into the report's language (a state, a kind)
    INT = "int"
    NUMBER = "number"
    PERCENT = "percent"  # a share between 0 and 1
    DATE = "date"
    DATETIME = "datetime"  # aware; shown in the zone it carries (the site's)
    MONTH = "month"  # (year, month) in the report's calendar


@dataclass(frozen=True)
class Column:
    key: str
    type: ColumnType = ColumnType.TEXT


@dataclass
class Section:
    key: str
    columns: list[Column]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    # the feature whose data this section shows has stored nothing yet (agent, snmp...)
    missing_source: str | None = None


@dataclass
class Report:
    kind: str
    generated_at: datetime
    timezone: str
    period: tuple[date, date] | None = None
    summary: list[tuple[str, Any, ColumnType]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)
