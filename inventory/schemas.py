"""What callers send and receive (the CLI, the API, the importer all use these)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from muniops.inventory.models import AssetKind, AssetStatus, RepairOutcome, Role

_MAC_HEX = re.compile(r"[0-9a-f]{12}")
_MAC_SEPARATORS = str.maketrans("", "", " \t:.-")


def normalize_mac(value: str) -> str:
    """``00-1A-2b-3c-4d-5e``, ``001a.2b3c.4d5e`` or ``001A2B3C4D5E`` → ``00:1a:2b:3c:4d:5e``."""
    hex_only = value.lower().translate(_MAC_SEPARATORS)
    if not _MAC_HEX.fullmatch(hex_only):
        raise ValueError(f"{value!r} is not a MAC address")
    return ":".join(hex_only[i : i + 2] for i in range(0, 12, 2))


def _strip_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


OptionalText = Annotated[str | None, AfterValidator(_strip_or_none)]
Mac = Annotated[str, AfterValidator(normalize_mac)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def known_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


class SiteCreate(Strict):
    name: str = Field(min_length=1, max_length=120)
    district: str = Field(default="", max_length=120)
    building: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    timezone: str = Field(default="UTC", max_length=64)
    notes: str = Field(default="", max_length=2000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)


class SitePublic(BaseModel):
    id: int
    name: str
    district: str
    building: str
    address: str
    timezone: str
    notes: str
    asset_count: int = 0


class SiteUpdate(Strict):
    """What may change on a site. Not its name: discovery and configuration records name
    their site, so a site keeps the name it was registered with."""

    district: str | None = Field(default=None, max_length=120)
    building: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    timezone: str | None = Field(default=None, max_length=64)
    notes: str | None = Field(default=None, max_length=2000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)


class PersonCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    employee_id: OptionalText = Field(default=None, max_length=64)
    email: str = Field(default="", max_length=200)
    department: str = Field(default="", max_length=200)
    site: OptionalText = None


class PersonUpdate(Strict):
    """What may change on a person (only the fields given change)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    employee_id: OptionalText = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=200)
    department: str | None = Field(default=None, max_length=200)
    site: OptionalText = None


class PersonPublic(BaseModel):
    id: int
    name: str
    employee_id: str | None
    email: str
    department: str
    site: str | None
    active: bool
    holding: list[str] = []


class AssetFields(Strict):
    """Fields a caller may set on an asset (all optional: used for updates as is)."""

    asset_tag: OptionalText = Field(default=None, max_length=64)
    serial: OptionalText = Field(default=None, max_length=128)
    kind: AssetKind | None = None
    vendor: str | None = Field(default=None, max_length=120)
    model: str | None = Field(default=None, max_length=200)
    hostname: OptionalText = Field(default=None, max_length=255)
    macs: list[Mac] | None = None
    site: OptionalText = None
    location: str | None = Field(default=None, max_length=200)
    purchase_date: date | None = None
    purchase_cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    warranty_end: date | None = None
    economic_life_years: int | None = Field(default=None, ge=1, le=50)
    notes: str | None = Field(default=None, max_length=4000)


class AssetCreate(AssetFields):
    kind: AssetKind
    status: AssetStatus = AssetStatus.IN_STOCK

    @field_validator("status")
    @classmethod
    def _creatable(cls, value: AssetStatus) -> AssetStatus:
        if value in (AssetStatus.IN_REPAIR, AssetStatus.RETIRED):
            raise ValueError("a new asset starts as discovered, in_stock or deployed")
        return value

    @model_validator(mode="after")
    def _identified(self) -> AssetCreate:
        if not self.asset_tag and not self.serial:
            raise ValueError("an asset needs an asset_tag or a serial")
        if problem := warranty_problem(self.purchase_date, self.warranty_end):
            raise ValueError(problem)
        return self


def warranty_problem(purchased: date | None, warranty_end: date | None) -> str | None:
    """Why these dates cannot both be true, or None."""
    if purchased is not None and warranty_end is not None and warranty_end < purchased:
        return f"warranty_end {warranty_end} is before purchase_date {purchased}"
    return None


class AssetUpdate(AssetFields):
    """Only the fields given are changed; ``None`` for a text field clears it."""


class AssetPublic(BaseModel):
    id: int
    asset_tag: str | None
    serial: str | None
    kind: AssetKind
    status: AssetStatus
    vendor: str
    model: str
    hostname: str | None
    macs: list[str]
    site: str | None
    district: str | None
    location: str
    purchase_date: date | None
    purchase_cost: Decimal | None
    warranty_end: date | None
    economic_life_years: int | None
    assigned_to: str | None
    notes: str
    created_at: datetime
    updated_at: datetime
    retired_at: datetime | None


class AssetFilter(Strict):
    kind: AssetKind | None = None
    status: AssetStatus | None = None
    site: str | None = None
    district: str | None = None
    vendor: str | None = None
    assigned_to: str | None = None
    search: str | None = None  # tag, serial, hostname or model contains
    warranty_before: date | None = None
    include_retired: bool = True
    limit: int | None = Field(default=None, ge=1, le=1_000_000)


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


class AssignmentPublic(BaseModel):
    person: str
    assigned_at: datetime
    returned_at: datetime | None
    note: str


class RepairOpen(Strict):
    part: str = Field(min_length=1, max_length=200)
    vendor: str = Field(min_length=1, max_length=200)
    problem: str = Field(default="", max_length=2000)
    vendor_reference: str = Field(default="", max_length=120)
    under_warranty: bool = True
    keep_in_service: bool = False  # the asset keeps working while the part is away


class RepairClose(Strict):
    outcome: RepairOutcome
    note: str = Field(default="", max_length=2000)


class RepairPublic(BaseModel):
    id: int
    asset_id: int
    asset: str
    site: str | None
    part: str
    problem: str
    vendor: str
    vendor_reference: str
    under_warranty: bool
    sent_at: datetime
    returned_at: datetime | None
    outcome: RepairOutcome | None
    outcome_note: str
    age_days: int


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str
    role: Role
    district: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
