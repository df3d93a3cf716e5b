"""Devices polled over SNMP, what the last poll learnt about each (facts and state), the
events polls recorded, and the state of each configured wireless link. No secrets: a device
names its credential, whose secret lives only in the credentials file."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class DeviceState(StrEnum):
    UNKNOWN = "unknown"  # never polled
    UP = "up"
    PARTIAL = "partial"  # answered, but not everything was read (budget, errors)
    DOWN = "down"


class SnmpEventKind(StrEnum):
    UNREACHABLE = "unreachable"
    REACHABLE = "reachable"
    REBOOT = "reboot"
    INTERFACE_UP = "interface_up"
    INTERFACE_DOWN = "interface_down"
    COUNTER_DISCONTINUITY = "counter_discontinuity"


class LinkState(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"


class SnmpDevice(SQLModel, table=True):
    """A device the collector polls. ``max_repetitions`` is what the poller learnt the
    device copes with (lowered after tooBig or timeouts)."""

    __tablename__ = "snmp_device"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    address: str = Field(max_length=255)
    port: int = Field(default=161)
    credential: str = Field(max_length=120)  # a name in the credentials file
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    profile: str | None = Field(default=None, max_length=120)  # None: detect
    enabled: bool = Field(default=True)
    max_repetitions: int | None = Field(default=None)
    state: DeviceState = Field(default=DeviceState.UNKNOWN, sa_type=enum_type(DeviceState))
    state_reason: str = Field(default="", max_length=500)
    detected_profile: str | None = Field(default=None, max_length=120)
    sys_uptime: int | None = Field(default=None, sa_type=sa.BigInteger)  # hundredths of s
    facts: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    last_poll_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_duration_s: float | None = Field(default=None)
    last_pdus: int | None = Field(default=None)
    last_retries: int | None = Field(default=None)
    last_errors: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SnmpEvent(SQLModel, table=True):
    """Something a poll noticed: unreachable/back, a reboot, an interface changing state,
    a counter that was reset."""

    __tablename__ = "snmp_event"

    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="snmp_device.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    kind: SnmpEventKind = Field(sa_type=enum_type(SnmpEventKind))
    subject: str = Field(default="", max_length=200)  # an interface name, a counter
    detail: str = Field(default="", max_length=500)


class WirelessLink(SQLModel, table=True):
    """The last computed state of a link configured in ``snmp.links``."""

    __tablename__ = "wireless_link"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    site_a: str = Field(default="", max_length=120)
    site_b: str = Field(default="", max_length=120)
    device_a: str = Field(max_length=120)
    device_b: str = Field(max_length=120)
    state: LinkState = Field(default=LinkState.UNKNOWN, sa_type=enum_type(LinkState))
    reason: str = Field(default="", max_length=500)
    readings: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
