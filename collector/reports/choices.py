"""The calendars, languages and formats a document comes in: plain enums, read by the
config section, the report commands' options and the web pages (loading no models)."""

from __future__ import annotations

from enum import StrEnum


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
