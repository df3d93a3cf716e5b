"""What discovery saw on the networks: sightings, MACs the register does not know, where a
MAC is plugged in (switch forwarding tables), neighbours (LLDP/CDP), when each asset was
last seen, and each sweep's run. Facts only; the time series go to Prometheus."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.models.devices import device_fk
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class SeenBy(StrEnum):
    """How a device was seen."""

    ARP_SWEEP = "arp_sweep"  # answered our ARP request on a directly attached subnet
    ICMP_ECHO = "icmp_echo"  # answered our ping on a routed subnet (no MAC)
    SNMP_ARP = "snmp_arp"  # in a router's ARP table (IP-MIB)
    SNMP_FDB = "snmp_fdb"  # in a switch's forwarding table (BRIDGE-MIB / Q-BRIDGE-MIB)
    AGENT = "agent"  # reported by the endpoint agent


class UnknownState(StrEnum):
    """A MAC the register did not know: flagged until a technician registers or ignores it."""

    UNAPPROVED = "unapproved"
    IGNORED = "ignored"
    REGISTERED = "registered"


class NeighbourProtocol(StrEnum):
    LLDP = "lldp"
    CDP = "cdp"


class Sighting(SQLModel, table=True):
    """One address pair seen at a site; ``mac`` is empty when only the IP answered."""

    __tablename__ = "sighting"
    __table_args__ = (sa.UniqueConstraint("site", "ip", "mac", name="uq_sighting_site_ip_mac"),)

    id: int | None = Field(default=None, primary_key=True)
    device_id: int | None = Field(default=None, sa_column=device_fk())
    site: str = Field(max_length=120, index=True)
    ip: str = Field(default="", max_length=45, index=True)
    mac: str = Field(default="", max_length=17, index=True)
    vendor: str = Field(default="", max_length=200)
    how: SeenBy = Field(sa_type=enum_type(SeenBy))
    first_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    asset_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("asset.id", ondelete="SET NULL"),
                            nullable=True, index=True),
    )


class UnknownDevice(SQLModel, table=True):
    """A MAC seen on the network that no asset carries."""

    __tablename__ = "unknown_device"

    id: int | None = Field(default=None, primary_key=True)
    mac: str = Field(sa_column=sa.Column(sa.String(17), unique=True, nullable=False))
    state: UnknownState = Field(default=UnknownState.UNAPPROVED,
                                sa_type=enum_type(UnknownState), index=True)
    site: str = Field(default="", max_length=120, index=True)
    ip: str = Field(default="", max_length=45)
    vendor: str = Field(default="", max_length=200)
    first_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: str = Field(default="", max_length=120)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=1000)


class MacPort(SQLModel, table=True):
    """A MAC in a switch's forwarding table: on which port (and VLAN) that switch learnt it."""

    __tablename__ = "mac_port"
    __table_args__ = (sa.UniqueConstraint("switch", "mac", name="uq_mac_port_switch_mac"),)

    id: int | None = Field(default=None, primary_key=True)
    device_id: int | None = Field(default=None, sa_column=device_fk())
    switch: str = Field(max_length=255, index=True)
    port: str = Field(max_length=120)
    vlan: int | None = None
    mac: str = Field(max_length=17, index=True)
    site: str = Field(default="", max_length=120)
    last_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Neighbour(SQLModel, table=True):
    """A link a device reports over LLDP or CDP: the topology's edges."""

    __tablename__ = "neighbour"
    __table_args__ = (
        sa.UniqueConstraint("device", "local_port", "protocol", "remote_name", "remote_port",
                            name="uq_neighbour_link"),
    )

    id: int | None = Field(default=None, primary_key=True)
    device_id: int | None = Field(default=None, sa_column=device_fk())
    device: str = Field(max_length=255, index=True)
    local_port: str = Field(default="", max_length=120)
    protocol: NeighbourProtocol = Field(sa_type=enum_type(NeighbourProtocol))
    remote_name: str = Field(default="", max_length=255)
    remote_port: str = Field(default="", max_length=255)
    remote_address: str = Field(default="", max_length=64)
    remote_platform: str = Field(default="", max_length=255)
    site: str = Field(default="", max_length=120)
    last_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AssetPresence(SQLModel, table=True):
    """When and where an asset of the register was last seen on the network."""

    __tablename__ = "asset_presence"

    asset_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"),
                            primary_key=True)
    )
    last_seen: datetime = Field(sa_type=UTCDateTime, index=True)
    how: SeenBy = Field(sa_type=enum_type(SeenBy))
    ip: str = Field(default="", max_length=45)
    mac: str = Field(default="", max_length=17)
    site: str = Field(default="", max_length=120)


class SweepRun(SQLModel, table=True):
    """One active sweep of one subnet: how long it took and how much it covered."""

    __tablename__ = "sweep_run"

    id: int | None = Field(default=None, primary_key=True)
    site: str = Field(max_length=120, index=True)
    subnet: str = Field(max_length=64)
    method: SeenBy = Field(sa_type=enum_type(SeenBy))
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    duration_seconds: float = 0.0
    probed: int = 0
    answered: int = 0
    complete: bool = True  # False when the time budget ran out before every address
