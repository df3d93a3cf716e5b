"""Sites, people and assets: the register itself."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from muniops.inventory.models.enums import AssetKind, AssetStatus
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class Site(SQLModel, table=True):
    """A building of the municipality (a city hall, a district office), in a district."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    district: str = Field(default="", max_length=120, index=True)
    building: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    timezone: str = Field(default="UTC", max_length=64)
    notes: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Person(SQLModel, table=True):
    """An employee who can hold equipment."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    employee_id: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(64), unique=True, nullable=True)
    )
    email: str = Field(default="", max_length=200)
    department: str = Field(default="", max_length=200)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Asset(SQLModel, table=True):
    """One physical piece of equipment, identified by asset tag and/or serial number."""

    id: int | None = Field(default=None, primary_key=True)
    asset_tag: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(64), unique=True, nullable=True)
    )
    serial: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(128), unique=True, nullable=True)
    )
    kind: AssetKind = Field(sa_type=enum_type(AssetKind), index=True)
    status: AssetStatus = Field(
        default=AssetStatus.IN_STOCK, sa_type=enum_type(AssetStatus), index=True
    )
    vendor: str = Field(default="", max_length=120)
    model: str = Field(default="", max_length=200)
    hostname: str | None = Field(default=None, max_length=255, index=True)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    location: str = Field(default="", max_length=200)  # room, rack, desk within the site
    purchase_date: date | None = None
    purchase_cost: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    warranty_end: date | None = Field(default=None, index=True)
    economic_life_years: int | None = None
    notes: str = Field(default="", max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AssetMac(SQLModel, table=True):
    """A MAC address of an asset; unique across the register so a sighting names one asset."""

    __tablename__ = "asset_mac"

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    mac: str = Field(sa_column=sa.Column(sa.String(17), unique=True, nullable=False))


class Assignment(SQLModel, table=True):
    """Who held an asset from when to when. The open row (no ``returned_at``) is the holder."""

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=1000)
    # as the receipt states it when the asset was handed over: new, good, fair, poor
    condition: str = Field(default="", max_length=40)
