"""Backups of hosts as their agents found them: the latest finding per host and backup
(``backup_status``), one row per distinct backup made (``backup_sample``: the size trend
and the success history the indicators count), and periodic samples of states the store
keeps only as "now" (``kpi_sample``: a wireless link's state), so availability over a
period can be computed."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.types import UTCDateTime, utcnow


def _asset_fk() -> sa.Column[int]:
    return sa.Column(sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False,
                     index=True)


class BackupStatus(SQLModel, table=True):
    """What the host's last full report said of one backup, and the one before it."""

    __tablename__ = "backup_status"
    __table_args__ = (sa.UniqueConstraint("asset_id", "name", name="uq_backup_status"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(sa_column=_asset_fk())
    name: str = Field(max_length=120)
    source: str = Field(max_length=16)
    status: str = Field(max_length=16)  # found, none, error (the agent's word)
    detail: str = Field(default="", max_length=1000)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    size_bytes: int | None = Field(default=None, sa_type=sa.BigInteger)
    files: int | None = Field(default=None, sa_type=sa.BigInteger)
    count: int | None = None
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_result: str | None = Field(default=None, max_length=16)
    previous_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    previous_size_bytes: int | None = Field(default=None, sa_type=sa.BigInteger)
    checked_at: datetime = Field(sa_type=UTCDateTime)  # the report's time
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BackupSample(SQLModel, table=True):
    """One backup made (a new newest snapshot, archive, file or version)."""

    __tablename__ = "backup_sample"
    __table_args__ = (sa.UniqueConstraint("asset_id", "name", "made_at",
                                          name="uq_backup_sample"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(sa_column=_asset_fk())
    name: str = Field(max_length=120)
    made_at: datetime = Field(sa_type=UTCDateTime, index=True)
    size_bytes: int | None = Field(default=None, sa_type=sa.BigInteger)
    files: int | None = Field(default=None, sa_type=sa.BigInteger)


class KpiSample(SQLModel, table=True):
    """A state seen at a moment (``good``: a link up, a device answering), for indicators
    of availability over a period."""

    __tablename__ = "kpi_sample"

    id: int | None = Field(default=None, primary_key=True)
    indicator: str = Field(max_length=64, index=True)
    subject: str = Field(max_length=200)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    good: bool
