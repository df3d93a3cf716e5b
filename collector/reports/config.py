"""``reports:`` in the configuration: the defaults each ``muniops report`` call can override."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Calendar(StrEnum):
    GREGORIAN = "gregorian"
    JALALI = "jalali"


class Lang(StrEnum):
    EN = "en"
    FA = "fa"
    TR = "tr"


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"
    PDF = "pdf"


class ReportSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    calendar: Calendar = Calendar.GREGORIAN
    lang: Lang = Lang.EN
    format: Format = Format.TABLE
    # Persian digits (۱۴۰۳) in tables, HTML and PDF; CSV and XLSX keep ASCII digits
    persian_digits: bool = False
    # the zone for times that belong to no site (the report's own date, audit entries)
    timezone: str = "UTC"
    warranty_days: int = Field(default=90, ge=1)
    # economic life for assets whose own economic_life_years is empty
    economic_life_years: int = Field(default=5, ge=1, le=50)
    organisation: str = ""
