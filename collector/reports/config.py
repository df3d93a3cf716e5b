"""``reports:`` in the configuration: the defaults each ``muniops report`` call can override,
the letterhead and signature lines of the documents, and the reports sent on a schedule."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from muniops.collector.reports.choices import Calendar, Format, Lang
from muniops.inventory.writeoff_policy import WriteOffPolicy


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Organisation(_Strict):
    """The letterhead: who issues the document. ``document_number`` is a template with
    ``{kind}``, ``{year}``, ``{month}``, ``{day}`` (in the report's calendar) and ``{seq}``
    (the caller's running number, when it has one)."""

    name: str = ""
    department: str = ""
    logo: Path | None = None  # PNG, JPEG or SVG, embedded in the document
    address: str = ""
    document_number: str = ""

    @field_validator("logo")
    @classmethod
    def _logo_kind(cls, value: Path | None) -> Path | None:
        if value is not None and value.suffix.lower() not in LOGO_TYPES:
            raise ValueError(f"logo must be one of {', '.join(LOGO_TYPES)}, got {value.name!r}")
        return value


LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".svg": "image/svg+xml"}


class Signer(_Strict):
    """One signature line: the role (``prepared_by``, ``checked_by``, ``approved_by``, or
    any label), and optionally the person's name and title printed under it."""

    role: str = Field(min_length=1, max_length=80)
    name: str = ""
    title: str = ""


DEFAULT_SIGNERS = [Signer(role="prepared_by"), Signer(role="checked_by"),
                   Signer(role="approved_by")]


class SmtpSettings(_Strict):
    """The mail relay scheduled reports go through. STARTTLS is required unless
    ``starttls: false`` is said outright (a relay on the same host)."""

    host: str = ""
    port: int = Field(default=587, gt=0, lt=65536)
    starttls: bool = True
    username: str = ""
    password: SecretStr = SecretStr("")
    sender: str = ""
    ca_file: Path | None = None  # a private CA's certificate; default: the system's
    timeout_seconds: float = Field(default=30, gt=0)


class Period(StrEnum):
    WEEK = "week"  # the last full week of the site's calendar
    MONTH = "month"  # the last full month of the report's calendar
    YEAR = "year"


class Schedule(_Strict):
    """One report made every ``period`` and written to ``reports.output_dir`` (and mailed to
    ``to`` when given)."""

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    report: str
    period: Period = Period.WEEK
    format: Format = Format.PDF
    lang: Lang | None = None
    calendar: Calendar | None = None
    to: list[str] = Field(default_factory=list)
    site: str | None = None
    district: str | None = None

    @field_validator("report")
    @classmethod
    def _known_report(cls, value: str) -> str:
        from muniops.collector.reports.kinds import REPORTS  # kinds imports this module

        if value not in REPORTS:
            raise ValueError(f"unknown report {value!r}; known: {', '.join(REPORTS)}")
        return value

    @field_validator("format")
    @classmethod
    def _file_format(cls, value: Format) -> Format:
        if value == Format.TABLE:
            raise ValueError("a scheduled report is a file: csv, xlsx, html or pdf")
        return value


class ReportSettings(_Strict):
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
    # write-off candidates and the reuse list (inventory/writeoff.py)
    write_off: WriteOffPolicy = Field(default_factory=WriteOffPolicy)
    organisation: Organisation = Field(default_factory=Organisation)
    # signature lines per report kind (or document: assignment-receipt...); "default" for
    # the others
    signatures: dict[str, list[Signer]] = Field(default_factory=dict)
    # the register's own values in other languages: {value: {fa: ..., tr: ...}}, for team
    # names, checklist items and anything the built-in labels do not know
    translations: dict[str, dict[Lang, str]] = Field(default_factory=dict)
    output_dir: Path | None = None
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    schedules: list[Schedule] = Field(default_factory=list)

    @field_validator("organisation", mode="before")
    @classmethod
    def _name_only(cls, value: Any) -> Any:
        """``organisation: City of X`` (the old form) is the letterhead's name."""
        return {"name": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _schedules_can_run(self) -> ReportSettings:
        names = [s.name for s in self.schedules]
        if len(names) != len(set(names)):
            raise ValueError(f"schedules: names must be unique, got {names}")
        if self.schedules and self.output_dir is None:
            raise ValueError("schedules need reports.output_dir, the folder to write them to")
        if any(s.to for s in self.schedules) and not (self.smtp.host and self.smtp.sender):
            raise ValueError("schedules with `to:` need reports.smtp.host and smtp.sender")
        return self
