"""The agent report as the collector accepts it (schema version 1). Known fields are typed
and bounded; fields a newer agent adds are kept but not interpreted. A validation error
names the field by its path (``software.12.name``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSIONS = (1,)
Text = str | None


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class HostNames(Open):
    hostname: str = Field(min_length=1, max_length=255)
    fqdn: str | None = Field(default=None, max_length=255)


class Identity(HostNames):
    smbios_uuid: str | None = Field(default=None, max_length=64)
    serial: str | None = Field(default=None, max_length=128)
    manufacturer: str | None = Field(default=None, max_length=120)
    model: str | None = Field(default=None, max_length=200)
    chassis_type: Text = None
    bios_vendor: Text = None
    bios_version: Text = None
    bios_date: Text = None


class OsInfo(Open):
    family: str | None = Field(default=None, max_length=32)
    name: Text = None
    version: Text = None
    build: Text = None
    kernel: Text = None
    arch: Text = None
    last_boot: datetime | None = None


class Cpu(Open):
    model: Text = None
    physical_cores: int | None = Field(default=None, ge=0)
    logical_cores: int | None = Field(default=None, ge=0)


class MemoryModule(Open):
    slot: Text = None
    size_bytes: int | None = Field(default=None, ge=0)
    type: Text = None
    speed_mts: int | None = Field(default=None, ge=0)
    manufacturer: Text = None
    serial: Text = None
    part_number: Text = None


class Memory(Open):
    total_bytes: int = Field(ge=0)
    modules: list[MemoryModule] | None = None


class Disk(Open):
    name: str
    model: Text = None
    serial: Text = None
    size_bytes: int = Field(ge=0)


class Filesystem(Open):
    mountpoint: str
    size_bytes: int = Field(ge=0)
    used_bytes: int = Field(ge=0)


class Interface(Open):
    name: str
    mac: Text = None
    addresses: list[str] = Field(default_factory=list)
    speed_mbps: int | None = None
    up: bool = False
    physical: bool | None = None


class User(Open):
    name: str


class Package(Open):
    name: str = Field(min_length=1, max_length=300)
    version: str | None = Field(default=None, max_length=120)
    publisher: str | None = Field(default=None, max_length=200)


class AvProduct(Open):
    product: Text = None
    signature_version: str | int | None = None
    signature_time: datetime | None = None
    enabled: bool | None = None
    realtime: bool | None = None
    up_to_date: bool | None = None


class Antivirus(Open):
    state: Literal["found", "none", "unknown"]
    products: list[AvProduct] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)


class Health(Open):
    uptime_seconds: int | None = Field(default=None, ge=0)


class BackupFinding(Open):
    """What the agent found of one backup the collector's policy names."""

    name: str = Field(min_length=1, max_length=120)
    source: str = Field(max_length=16)
    status: Literal["found", "none", "error"]
    detail: str | None = Field(default=None, max_length=1000)
    last_success: AwareDatetime | None = None
    size_bytes: int | None = Field(default=None, ge=0)
    files: int | None = Field(default=None, ge=0)
    count: int | None = Field(default=None, ge=0)
    last_attempt: AwareDatetime | None = None
    last_result: Literal["success", "failed"] | None = None


class Report(BaseModel):
    model_config = ConfigDict(extra="allow")

    schema_version: int
    report_id: uuid.UUID
    kind: Literal["full", "heartbeat"]
    agent_version: str = Field(max_length=40)
    created_at: AwareDatetime
    host: HostNames
    identity: Identity | None = None
    os: OsInfo | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None
    disks: list[Disk] | None = None
    filesystems: list[Filesystem] | None = None
    network: list[Interface] | None = None
    users: list[User] | None = None
    software: list[Package] | None = None
    antivirus: Antivirus | None = None
    health: Health | None = None
    backups: list[BackupFinding] | None = Field(default=None, max_length=200)
    errors: dict[str, str] = Field(default_factory=dict)
