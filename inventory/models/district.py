"""District collectors as the central store sees them: each one's token (enrolled with a
site's agent enrolment secret, like an agent) and the ledger of the outbox items it
forwarded, written in the same transaction as each item's effects, so an item sent again
after a cut link is applied once, and items are applied in the order they were learned."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (site)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.types import UTCDateTime, utcnow


class DistrictCollector(SQLModel, table=True):
    """One district collector: its name, token hash, the site whose secret it enrolled with,
    and ``last_seq``, the outbox sequence number of the last item applied."""

    __tablename__ = "district_collector"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=16)
    site_id: int = Field(foreign_key="site.id", index=True)
    enrolled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_seq: int = Field(default=0, sa_type=sa.BigInteger)
    items_applied: int = Field(default=0, sa_type=sa.BigInteger)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DistrictApplied(SQLModel, table=True):
    """The applied-keys ledger: one row per forwarded item, keyed by its idempotency key.
    ``outcome`` is ``applied`` or ``refused`` (kept with its reason, never dropped)."""

    __tablename__ = "district_applied"

    key: str = Field(sa_column=sa.Column(sa.String(160), primary_key=True))
    district_id: int = Field(foreign_key="district_collector.id", index=True)
    seq: int = Field(sa_type=sa.BigInteger)
    kind: str = Field(max_length=40)
    outcome: str = Field(max_length=16)
    detail: str = Field(default="", max_length=500)
    applied_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeviceLease(SQLModel, table=True):
    """Which collector of a LAN polls a device until ``expires_at`` (PostgreSQL leases:
    several collectors share the SNMP and SSH work; a dead one's devices are taken over
    once its leases expire, within one poll interval). A periodic job run once across the
    central's workers is a row too, named ``job:NAME``."""

    __tablename__ = "device_lease"

    device: str = Field(sa_column=sa.Column(sa.String(160), primary_key=True))
    holder: str = Field(max_length=120, index=True)
    acquired_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    # the last poll slot (time // interval) it was polled in: one poll per slot, enforced
    # by the store, whoever holds the lease
    last_slot: int = Field(default=-1, sa_type=sa.BigInteger)
