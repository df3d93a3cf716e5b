"""What the signed documents record: a handover when someone leaves, and write-off batches
decided by the committee (terkin / اسقاط)."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.types import UTCDateTime, utcnow


class Handover(SQLModel, table=True):
    """Everything one person held, handed to a successor (or back to stock) when they
    left: the handover list is printed from this row, the same on every reprint."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    successor_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    # [{"asset_id", "condition"}]: the items as they were handed over
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)


class WriteOffBatch(SQLModel, table=True):
    """A committee's decision to write off a list of assets, with its number and date."""

    __tablename__ = "write_off_batch"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    decided_on: date
    committee: list[str] = Field(default_factory=list, sa_type=sa.JSON)  # members' names
    decision: str = Field(default="", max_length=4000)
    actor: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WriteOffItem(SQLModel, table=True):
    """One asset of a batch; an asset is written off once."""

    __tablename__ = "write_off_item"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(sa_column=sa.Column(
        sa.Integer, sa.ForeignKey("write_off_batch.id", ondelete="CASCADE"), nullable=False,
        index=True))
    asset_id: int = Field(sa_column=sa.Column(sa.Integer, sa.ForeignKey("asset.id"),
                                              unique=True, nullable=False))
    reasons: list[str] = Field(default_factory=list, sa_type=sa.JSON)
