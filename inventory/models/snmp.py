"""The events SNMP polls recorded about managed devices (``inventory/models/devices.py``),
and the state of each configured wireless link, with both ends by device id."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.models.devices import Device, DeviceState, device_fk  # noqa: F401
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


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


# The devices themselves are the register's (``inventory/models/devices.py``); the old
# name stays one release for code written against it.
SnmpDevice = Device


class SnmpEvent(SQLModel, table=True):
    """Something a poll noticed: unreachable/back, a reboot, an interface changing state,
    a counter that was reset."""

    __tablename__ = "snmp_event"

    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="device.id", index=True)
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
    device_a_id: int | None = Field(default=None, sa_column=device_fk())
    device_b_id: int | None = Field(default=None, sa_column=device_fk())
    state: LinkState = Field(default=LinkState.UNKNOWN, sa_type=enum_type(LinkState))
    reason: str = Field(default="", max_length=500)
    readings: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
