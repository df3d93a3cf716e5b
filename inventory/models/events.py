"""What devices said on their own (SNMP traps, syslog) and what was alerted about them.

One table: ``device_event``. A row names the SNMP device, the asset or neither (a sender
not in the register is recorded as ``unknown`` with its address, never trusted as a
device). Per-severity counts of unmatched syslog lines live only in /metrics."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person; snmp_device)
import muniops.inventory.models.core
import muniops.inventory.models.snmp  # noqa: F401
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class EventSource(StrEnum):
    TRAP = "trap"
    SYSLOG = "syslog"
    ALERT = "alert"  # a notification Alertmanager sent (webhook)


class DeviceEvent(SQLModel, table=True):
    """One thing a device (or Alertmanager about it) said. ``kind`` is a slug from the
    trap or syslog rules (``link_down``, ``cold_start``, ``config_change``...) or an
    alert's name; ``subject`` an interface or component."""

    __tablename__ = "device_event"
    __table_args__ = (sa.Index("ix_device_event_device_at", "device_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    source: EventSource = Field(sa_type=enum_type(EventSource))
    kind: str = Field(max_length=120, index=True)
    severity: str = Field(default="info", max_length=20)
    device_id: int | None = Field(default=None, foreign_key="device.id")
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    device_name: str = Field(default="", max_length=120)  # as known then; "" unknown
    sender: str = Field(default="", max_length=255)  # the address it came from
    subject: str = Field(default="", max_length=200)
    detail: str = Field(default="", max_length=1000)
    data: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
