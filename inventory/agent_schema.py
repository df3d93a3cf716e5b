"""The agent report as the collector accepts it (schema version 1). Known fields are typed
and bounded (every string, list and time; control characters are removed from text);
fields a newer agent adds are kept but not interpreted, within a bound on their depth and
size. A validation error names the field by its path (``software.12.name``)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Required, Self, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict  # pydantic reads typing's only from Python 3.12

SCHEMA_VERSIONS = (1,)
MAX_TEXT = 4096  # any string of a report
MAX_ITEMS = 4096  # any list, but software
MAX_INT = 2**63 - 1  # what a store's integer holds
MAX_EXTRA_DEPTH = 8  # nesting of fields this collector does not know
MAX_EXTRA_VALUES = 100_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
EARLIEST, LATEST = datetime(1990, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def clean(value: str) -> str:
    """Text without control characters or lone surrogates: a host name with ESC clears
    a technician's terminal, a NUL breaks a spreadsheet, a surrogate breaks UTF-8."""
    return _CONTROL.sub("", value)


def _moment(value: datetime) -> datetime:
    """A time with its zone, that exists in UTC, between 1990 and 2200."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time needs its UTC offset")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("a time out of range") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError(f"a time out of range ({utc.year})")
    return utc


CleanStr = Annotated[str, AfterValidator(clean)]
Text = CleanStr | None
Moment = Annotated[datetime, AfterValidator(_moment)]


def _extra_size(value: Any, depth: int = 0, budget: list[int] | None = None) -> None:
    budget = budget if budget is not None else [MAX_EXTRA_VALUES]
    budget[0] -= 1
    if depth > MAX_EXTRA_DEPTH or budget[0] < 0:
        raise ValueError(f"fields this collector does not know are nested deeper than "
                         f"{MAX_EXTRA_DEPTH} or hold more than {MAX_EXTRA_VALUES} values")
    if isinstance(value, dict):
        for v in value.values():
            _extra_size(v, depth + 1, budget)
    elif isinstance(value, list):
        for v in value:
            _extra_size(v, depth + 1, budget)
    elif isinstance(value, str) and len(value) > MAX_TEXT:
        raise ValueError(f"a text longer than {MAX_TEXT} characters")


class Open(BaseModel):
    model_config = ConfigDict(extra="allow", str_max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _bounded_extra(self) -> Self:
        extra = self.model_extra
        if extra and not (len(extra) < MAX_EXTRA_VALUES and all(  # the common case, quickly
                type(v) is str and len(v) <= MAX_TEXT for v in extra.values())):
            _extra_size(extra)
        return self


class HostNames(Open):
    hostname: CleanStr = Field(min_length=1, max_length=255)
    fqdn: CleanStr | None = Field(default=None, max_length=255)


class Identity(HostNames):
    smbios_uuid: CleanStr | None = Field(default=None, max_length=64)
    serial: CleanStr | None = Field(default=None, max_length=128)
    manufacturer: CleanStr | None = Field(default=None, max_length=120)
    model: CleanStr | None = Field(default=None, max_length=200)
    chassis_type: Text = None
    bios_vendor: Text = None
    bios_version: Text = None
    bios_date: Text = None


class OsInfo(Open):
    family: CleanStr | None = Field(default=None, max_length=32)
    name: Text = None
    version: Text = None
    build: Text = None
    kernel: Text = None
    arch: Text = None
    last_boot: Moment | None = None


class Cpu(Open):
    model: Text = None
    physical_cores: int | None = Field(default=None, ge=0, le=MAX_INT)
    logical_cores: int | None = Field(default=None, ge=0, le=MAX_INT)


class MemoryModule(Open):
    slot: Text = None
    size_bytes: int | None = Field(default=None, ge=0, le=MAX_INT)
    type: Text = None
    speed_mts: int | None = Field(default=None, ge=0, le=MAX_INT)
    manufacturer: Text = None
    serial: Text = None
    part_number: Text = None


class Memory(Open):
    total_bytes: int = Field(ge=0, le=MAX_INT)
    modules: list[MemoryModule] | None = Field(default=None, max_length=256)


class Disk(Open):
    name: CleanStr
    model: Text = None
    serial: Text = None
    size_bytes: int = Field(ge=0, le=MAX_INT)


class Filesystem(Open):
    mountpoint: CleanStr
    size_bytes: int = Field(ge=0, le=MAX_INT)
    used_bytes: int = Field(ge=0, le=MAX_INT)


class Interface(Open):
    name: CleanStr
    mac: Text = None
    addresses: list[CleanStr] = Field(default_factory=list, max_length=256)
    speed_mbps: int | None = Field(default=None, ge=-1, le=MAX_INT)
    up: bool = False
    physical: bool | None = None


class User(Open):
    name: CleanStr


@with_config(ConfigDict(extra="allow", str_max_length=MAX_TEXT))
class Package(TypedDict, total=False):
    """One installed package: a plain dict, not a model. A report lists ~800 of them, and
    one model each (its own dict, set and extra dict) was most of a report's parse, and
    kept the garbage collector busy while reports waited for the store. The list is
    checked whole (``_packages``); one that is not plain text is cleaned and bounded by
    ``_clean_package`` (one plain function per package, as an ``Open`` section would
    be), so an error still names the package (``software.12``)."""

    name: Required[Annotated[str, Field(min_length=1, max_length=300)]]
    version: Annotated[str | None, Field(max_length=120)]
    publisher: Annotated[str | None, Field(max_length=200)]


_PACKAGE_FIELDS = frozenset(("name", "version", "publisher"))


def _clean_package(package: Package) -> Package:
    fields = cast(dict[str, Any], package)
    for key in _PACKAGE_FIELDS:
        value = fields.get(key)
        if value and not value.isprintable():  # printable text holds no control character
            fields[key] = clean(value)
    if len(fields) > len(_PACKAGE_FIELDS) or not _PACKAGE_FIELDS.issuperset(fields):
        extra = {k: v for k, v in fields.items() if k not in _PACKAGE_FIELDS}
        if extra and not (len(extra) < MAX_EXTRA_VALUES and all(
                type(v) is str and len(v) <= MAX_TEXT for v in extra.values())):
            _extra_size(extra)
    return package


_EACH_PACKAGE = TypeAdapter(list[Annotated[Package, AfterValidator(_clean_package)]])


def _packages(value: Any, handler: ValidatorFunctionWrapHandler) -> list[Package]:
    """The list checked whole when it is plain, as every agent sends it: all its text
    printable (so no control character to clean), every field a short text. Anything else
    is validated again package by package (``_clean_package``), cleaned, and an error names
    the package. A call per package from pydantic-core was over half of the list's cost."""
    packages: list[Package] = handler(value)  # names, lengths and types, as declared
    texts: list[Any] = [v for package in packages for v in package.values() if v is not None]
    try:
        joined = "".join(texts)
    except TypeError:  # a field that is not text (a number, a list, …)
        return _EACH_PACKAGE.validate_python(value)
    if (not joined.isprintable() or max(map(len, texts), default=0) > MAX_TEXT
            or max(map(len, packages), default=0) >= MAX_EXTRA_VALUES):
        return _EACH_PACKAGE.validate_python(value)
    return packages


class AvProduct(Open):
    product: Text = None
    signature_version: CleanStr | int | None = None
    signature_time: Moment | None = None
    enabled: bool | None = None
    realtime: bool | None = None
    up_to_date: bool | None = None


class Antivirus(Open):
    state: Literal["found", "none", "unknown"]
    products: list[AvProduct] = Field(default_factory=list, max_length=64)
    problems: list[CleanStr] = Field(default_factory=list, max_length=256)


class Health(Open):
    uptime_seconds: int | None = Field(default=None, ge=0, le=MAX_INT)


class BackupFinding(Open):
    """What the agent found of one backup the collector's policy names."""

    name: CleanStr = Field(min_length=1, max_length=120)
    source: CleanStr = Field(max_length=16)
    status: Literal["found", "none", "error"]
    detail: CleanStr | None = Field(default=None, max_length=1000)
    last_success: Moment | None = None
    size_bytes: int | None = Field(default=None, ge=0, le=MAX_INT)
    files: int | None = Field(default=None, ge=0, le=MAX_INT)
    count: int | None = Field(default=None, ge=0, le=MAX_INT)
    last_attempt: Moment | None = None
    last_result: Literal["success", "failed"] | None = None


class Report(Open):
    schema_version: int = Field(ge=0, le=MAX_INT)
    report_id: uuid.UUID
    kind: Literal["full", "heartbeat"]
    agent_version: CleanStr = Field(max_length=40)
    created_at: Moment
    host: HostNames
    identity: Identity | None = None
    os: OsInfo | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None
    disks: list[Disk] | None = Field(default=None, max_length=MAX_ITEMS)
    filesystems: list[Filesystem] | None = Field(default=None, max_length=MAX_ITEMS)
    network: list[Interface] | None = Field(default=None, max_length=MAX_ITEMS)
    users: list[User] | None = Field(default=None, max_length=MAX_ITEMS)
    software: Annotated[list[Package], WrapValidator(_packages)] | None = Field(
        default=None, max_length=100_000)
    antivirus: Antivirus | None = None
    health: Health | None = None
    backups: list[BackupFinding] | None = Field(default=None, max_length=200)
    errors: dict[str, CleanStr] = Field(default_factory=dict, max_length=256)
