"""What SSH playbooks learn from devices: configuration versions (normalised text and its
hash, a new row only when something changed), the state of each device's backups, facts
(model, serial, software), and the latest outcome of each compliance check."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.models.devices import device_fk
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ConfigVersion(SQLModel, table=True):
    """One configuration of one device, as normalised (volatile lines dropped). Numbered
    from 1 per device; secrets are kept (a backup must restore) and redacted on display."""

    __tablename__ = "config_version"
    __table_args__ = (sa.UniqueConstraint("device", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    device_id: int | None = Field(default=None, sa_column=device_fk())
    device: str = Field(max_length=120, index=True)
    version: int
    sha256: str = Field(max_length=64)
    text: str = Field(sa_type=sa.Text)
    lines: int
    playbook: str = Field(max_length=120)
    collected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConfigBackupState(SQLModel, table=True):
    """The last backup attempt and success of a device, changed or not (for alerts)."""

    __tablename__ = "config_backup_state"

    id: int | None = Field(default=None, primary_key=True)
    device_id: int | None = Field(default=None, sa_column=device_fk())
    device: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    site: str = Field(default="", max_length=120)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_change_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_cause: str = Field(default="", max_length=40)  # an SshError cause slug, "" when ok
    last_error: str = Field(default="", max_length=500)


class DeviceFacts(SQLModel, table=True):
    """Model, serial and software of a device as it last reported them, and its last health
    evidence."""

    __tablename__ = "device_facts"

    id: int | None = Field(default=None, primary_key=True)
    device_id: int | None = Field(default=None, sa_column=device_fk())
    device: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    platform: str = Field(max_length=40)
    model: str = Field(default="", max_length=200)
    serial: str = Field(default="", max_length=128, index=True)
    version: str = Field(default="", max_length=120)
    uptime: str = Field(default="", max_length=200)
    facts: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    collected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # health evidence for PM records (the pm-network playbook): environment, uptime, errors
    health: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    health_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ComplianceResult(SQLModel, table=True):
    """The latest outcome of one check of one playbook on one device."""

    __tablename__ = "compliance_result"
    __table_args__ = (sa.UniqueConstraint("device", "playbook", "rule"),)

    id: int | None = Field(default=None, primary_key=True)
    device_id: int | None = Field(default=None, sa_column=device_fk())
    device: str = Field(max_length=120, index=True)
    site: str = Field(default="", max_length=120)
    playbook: str = Field(max_length=120)
    rule: str = Field(max_length=120, index=True)
    title: str = Field(default="", max_length=300)
    severity: Severity = Field(sa_type=enum_type(Severity))
    passed: bool
    detail: str = Field(default="", max_length=1000)
    remediation: str = Field(default="", max_length=1000)
    checked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
