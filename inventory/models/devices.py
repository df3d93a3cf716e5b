"""The one register of managed network devices: a switch polled over SNMP, backed up over
SSH and read for its forwarding table is one row here, whatever it does.

A device's roles are columns, each present when its credential is named: SNMP
(``snmp_credential``; ``snmp_poll`` says whether the poller reads it, discovery may read
its tables without polling), SSH (``ssh_credential`` with ``platform``), discovery tables
(``read_arp``/``read_fdb``/``read_neighbours``, over the SNMP credential). Credentials are
names in the credentials file; no secret is stored. The SNMP poll's state (state, facts,
last poll...) stays on the row: it is what the poller learnt of this device. Config
versions, backup state, facts, compliance results, sightings, forwarding and neighbour
rows, SNMP events, device events and wireless links point here by ``device_id``."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class DeviceState(StrEnum):
    UNKNOWN = "unknown"  # never polled
    UP = "up"
    PARTIAL = "partial"  # answered, but not everything was read (budget, errors)
    DOWN = "down"


SNMP_PORT = 161
SSH_PORT = 22


class Device(SQLModel, table=True):
    """A managed device. ``max_repetitions`` is what the poller learnt the device copes
    with (lowered after tooBig or timeouts)."""

    __tablename__ = "device"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    address: str = Field(max_length=255)  # the management address (host name or IP)
    addresses: list[str] = Field(default_factory=list, sa_type=sa.JSON)  # others it owns
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    kind: str = Field(default="", max_length=40)  # switch, router... ("" unknown)
    platform: str = Field(default="", max_length=40)  # an entry of ssh/platforms.yaml
    tags: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    enabled: bool = Field(default=True)  # False: neither polled, backed up nor read
    # SNMP role
    snmp_credential: str | None = Field(default=None, max_length=120)
    snmp_port: int = Field(default=SNMP_PORT)
    snmp_poll: bool = Field(default=True)
    snmp_profile: str | None = Field(default=None, max_length=120)  # None: detect
    snmp_interval: int | None = Field(default=None)  # seconds; None: the snmp section's
    # SSH role
    ssh_credential: str | None = Field(default=None, max_length=120)
    ssh_port: int = Field(default=SSH_PORT)
    ssh_playbooks: list[str] = Field(default_factory=list, sa_type=sa.JSON)  # []: any
    # discovery tables (read over the SNMP credential)
    read_arp: bool = Field(default=False)
    read_fdb: bool = Field(default=False)
    read_neighbours: bool = Field(default=False)
    # what the SNMP poller learnt
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
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def polled(self) -> bool:
        """Whether the SNMP poller reads it (retirement is checked by the operations)."""
        return self.enabled and self.snmp_poll and self.snmp_credential is not None

    @property
    def tables(self) -> list[str]:
        """The discovery tables to read, in ``collector.discovery`` terms."""
        return [t for t, on in (("arp", self.read_arp), ("fdb", self.read_fdb),
                                ("neighbours", self.read_neighbours)) if on]


def device_fk(ondelete: str = "SET NULL") -> Any:
    """A nullable ``device_id`` column: rows keep their device's name, so history
    survives a device's removal."""
    return sa.Column(sa.Integer, sa.ForeignKey("device.id", ondelete=ondelete), nullable=True,
                     index=True)
