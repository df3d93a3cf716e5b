"""The ``discovery:`` section of the configuration: which subnets of which site may be
swept, how fast, for how long. (The routers and switches whose tables are read are
devices of the register; ``sites.*.snmp`` is deprecated.)

Nothing outside these lists is ever probed: a sweep of any other subnet is refused."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    # the same rule as collector.settings.Section (which imports this module): unknown keys fail
    model_config = ConfigDict(extra="forbid")


class SubnetConfig(_Strict):
    """A subnet of a site. ``arp`` for a subnet the collector is attached to, ``icmp`` for a
    routed one, ``auto`` to decide from the collector's routing table."""

    cidr: IPv4Network
    method: Literal["auto", "arp", "icmp"] = "auto"
    interface: str | None = None  # ARP only: the interface; default: from the routing table

    @field_validator("cidr", mode="before")
    @classmethod
    def _strict_network(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                IPv4Network(value, strict=True)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not an IPv4 network: {exc}") from None
        return value


SnmpTable = Literal["arp", "fdb", "neighbours"]
ALL_TABLES: tuple[SnmpTable, ...] = ("arp", "fdb", "neighbours")


class SnmpSource(_Strict):
    """Deprecated (one release): a router or switch listed under ``sites.*.snmp``. Such
    devices live in the register now (``muniops devices ... --tables``);
    ``collector/devices/legacy.py`` imports these at start with a warning."""

    name: str = Field(min_length=1, max_length=255)
    host: str
    port: int = Field(default=161, gt=0, lt=65536)
    credential: str  # a name in the credentials file
    tables: list[SnmpTable] = Field(default_factory=lambda: list(ALL_TABLES))
    timeout_seconds: float = Field(default=2.0, gt=0)


class SiteNetworks(_Strict):
    subnets: list[SubnetConfig] = Field(default_factory=list)
    snmp: list[SnmpSource] = Field(default_factory=list)


class DiscoverySettings(_Strict):
    sites: dict[str, SiteNetworks] = Field(default_factory=dict)
    rate_pps: float = Field(default=100.0, gt=0, le=10_000)  # probes per second, per run
    budget_seconds: float = Field(default=300.0, gt=0)  # a run stops probing after this
    reply_timeout_seconds: float = Field(default=1.0, gt=0, le=30)  # wait after the last probe
    missing_after_days: int = Field(default=14, ge=1)
    oui_dir: Path = Path("/usr/share/ieee-data")

    def subnets_of(self, site: str) -> list[SubnetConfig]:
        return list(self.sites[site].subnets) if site in self.sites else []

    def all_subnets(self) -> list[tuple[str, SubnetConfig]]:
        return [(site, s) for site, nets in self.sites.items() for s in nets.subnets]
