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
    LABELS = "labels"  # a list of slugs or configured values, each translated


# columns that name the people who hold equipment (staff acting for the department, such
# as who did a PM visit, are not counted)
PERSONAL_COLUMNS = {"assigned_to"}


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


class ChartKind(StrEnum):
    BAR = "bar"  # one bar per series in each category
    HBAR = "hbar"  # the same, lying: for many or long category names
    STACKED = "stacked"  # the series stacked: parts of a whole per category
    PIE = "pie"  # one series, its categories as slices


@dataclass
class Chart:
    """A picture of some of the report's numbers: values per category for each series.
    Series keys and LABEL categories are translated like any label; a tuple category is
    its parts, each translated, joined (a site and a team)."""

    key: str
    categories: list[Any]
    series: list[tuple[str, list[float]]]
    kind: ChartKind = ChartKind.BAR
    category_type: ColumnType = ColumnType.TEXT
    value_type: ColumnType = ColumnType.INT


@dataclass
class Report:
    kind: str
    generated_at: datetime
    timezone: str
    period: tuple[date, date] | None = None
    summary: list[tuple[str, Any, ColumnType]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    # a document's own heading lines (the receipt's person, the batch's decision) shown
    # before the summary; label key, value, type
    facts: list[tuple[str, Any, ColumnType]] = field(default_factory=list)
    # the document's running number, fills {seq} in organisation.document_number
    number: str = ""
    # signature lines the document itself names (the receiver of a receipt); the
    # configured lines of its kind follow
    signers: list[Any] = field(default_factory=list)
    portrait: bool = False  # a receipt is a letter; a report's wide tables want landscape

    def people(self) -> set[str]:
        """Names of people in the report's ``assigned_to`` columns: personal data, whose
        export is audited."""
        out: set[str] = set()
        for sec in self.sections:
            for i, c in enumerate(sec.columns):
                if c.key in PERSONAL_COLUMNS:
                    out.update(str(r[i]) for r in sec.rows if r[i])
        return out

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)
