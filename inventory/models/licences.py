"""The software licence register: what the municipality bought, for whom, and the key,
which is kept apart like a credential (its own table, read only by ``licences.reveal_key``)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.types import UTCDateTime, utcnow


class Licence(SQLModel, table=True):
    """Seats of one product (a key of the product rule file, e.g. ``ms-office``)."""

    id: int | None = Field(default=None, primary_key=True)
    product: str = Field(max_length=120, index=True)
    edition: str = Field(default="", max_length=120)
    # versions the licence covers: a major version ("2021"), or "" for any
    version: str = Field(default="", max_length=60)
    seats: int = Field(ge=1)
    purchase_date: date | None = None
    expires_on: date | None = Field(default=None, index=True)
    vendor: str = Field(default="", max_length=200)
    reference: str = Field(default="", max_length=200)  # order or contract number
    notes: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LicenceKey(SQLModel, table=True):
    """The product key of a licence, apart from it so that no listing, report or audit
    snapshot of a licence ever reads it."""

    __tablename__ = "licence_key"

    licence_id: int = Field(sa_column=sa.Column(
        sa.Integer, sa.ForeignKey("licence.id", ondelete="CASCADE"), primary_key=True))
    secret: str = Field(max_length=500)


class LicenceAssignment(SQLModel, table=True):
    """A seat given to a host (an asset) or to a person (a per-user licence)."""

    __tablename__ = "licence_assignment"
    __table_args__ = (sa.CheckConstraint("(asset_id IS NULL) <> (person_id IS NULL)",
                                         name="ck_licence_assignment_one_holder"),)

    id: int | None = Field(default=None, primary_key=True)
    licence_id: int = Field(sa_column=sa.Column(
        sa.Integer, sa.ForeignKey("licence.id", ondelete="CASCADE"), nullable=False,
        index=True))
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
