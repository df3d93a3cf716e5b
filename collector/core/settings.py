"""Collector configuration: a YAML file validated strictly, then ``MUNIOPS_*`` environment
overrides (``MUNIOPS_DATABASE_URL``, ``MUNIOPS_API__LISTEN``,
``MUNIOPS_REPORTS__SMTP__PASSWORD``...).

The core settings are validated at load. Each feature's section is a model of its own,
declared here as a ``SectionField`` naming it by import string: it is validated when it is
first read, so a command loads only the sections it reads (and not their features'
modules). ``muniops serve`` (``Collector``) and ``muniops config check`` validate every
section at start, so a mistake in any of them is said at once there."""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from muniops.collector.core.addresses import split_address
from muniops.collector.core.feature import load
from muniops.inventory.errors import ConfigError
from muniops.inventory.validation import indented, problems, what, where

if TYPE_CHECKING:
    from muniops.collector.discovery.config import DiscoverySettings
    from muniops.collector.district.config import DistrictSettings
    from muniops.collector.events.config import EventSettings
    from muniops.collector.reports.config import ReportSettings
    from muniops.collector.snmp.config import SnmpSettings
    from muniops.collector.ssh.config import PlaybookSettings
    from muniops.collector.web.config import WebSettings
    from muniops.inventory.agent_policy import AgentSettings
    from muniops.inventory.backup_policy import BackupSettings
    from muniops.inventory.kpi_policy import KpiSettings
    from muniops.inventory.pm_policy import PmSettings
    from muniops.inventory.software_rules import LicenceSettings

__all__ = ["ConfigError", "Section", "Settings", "load_settings"]

CONFIG_ENV = "MUNIOPS_CONFIG"
ENV_PREFIX = "MUNIOPS_"


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ApiSettings(Section):
    listen: str = "127.0.0.1:8470"
    # the largest request body the API reads (agent reports are the big ones)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, gt=0)
    metrics_require_token: bool = False
    # TLS: the collector's certificate and key (``muniops tls init`` makes a private CA and
    # both). Without them, only a loopback address may be served, unless plain_http says so.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    plain_http: bool = False

    @model_validator(mode="after")
    def _both_or_neither(self) -> ApiSettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        return self

    def check_transport(self, listen: str) -> None:
        """Tokens and enrolment secrets never cross a network in clear by accident."""
        host = split_address(listen)[0]
        if self.tls_cert is None and not self.plain_http and not _loopback(host):
            raise ConfigError(
                f"api.listen {listen} is reachable from the network but api.tls_cert and "
                "api.tls_key are not set (`muniops tls init` makes them); set "
                "api.plain_http: true to serve plain HTTP anyway")

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        split_address(value)
        return value

    @property
    def host(self) -> str:
        return split_address(self.listen)[0]

    @property
    def port(self) -> int:
        return split_address(self.listen)[1]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoggingSettings(Section):
    level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")


S = TypeVar("S", bound=BaseModel)


class SectionField(Generic[S]):
    """A feature's config section on ``Settings``: ``snmp: ClassVar[SectionField[SnmpSettings]]
    = SectionField("muniops.collector.snmp.config:SnmpSettings")``. Reading it validates
    the file's (and the environment's) values for it once and keeps the model."""

    def __init__(self, target: str) -> None:
        self.target, self.name = target, ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> SectionField[S]: ...

    @overload
    def __get__(self, obj: Settings, owner: type) -> S: ...

    def __get__(self, obj: Settings | None, owner: type) -> SectionField[S] | S:
        if obj is None:
            return self
        found: S = obj.section(self.name)
        return found

    def model(self) -> type[S]:
        cls: type[S] = load(self.target)
        return cls


class Settings(BaseModel):
    """Everything the collector and the CLI read. Relative paths are relative to the file."""

    model_config = ConfigDict(extra="forbid")

    data_dir: Path = Field(default_factory=lambda: Path.home() / ".local/share/muniops")
    database_url: SecretStr | None = None  # None: SQLite in data_dir
    # device secrets (SNMP, SSH): a separate YAML file, mode 600 (collector/credentials.py)
    credentials_file: Path | None = None
    site_name: str = "Municipality"
    api: ApiSettings = ApiSettings()
    logging: LoggingSettings = LoggingSettings()
    # where the settings came from, for messages; not a setting itself
    source: str = Field(default="<defaults>", exclude=True)

    # the features' sections, validated when first read
    pm: ClassVar[SectionField[PmSettings]] = SectionField(
        "muniops.inventory.pm_policy:PmSettings")  # preventive maintenance policy
    reports: ClassVar[SectionField[ReportSettings]] = SectionField(
        "muniops.collector.reports.config:ReportSettings")  # report defaults
    discovery: ClassVar[SectionField[DiscoverySettings]] = SectionField(
        "muniops.collector.discovery.config:DiscoverySettings")
    snmp: ClassVar[SectionField[SnmpSettings]] = SectionField(
        "muniops.collector.snmp.config:SnmpSettings")  # SNMP polling
    agents: ClassVar[SectionField[AgentSettings]] = SectionField(
        "muniops.inventory.agent_policy:AgentSettings")  # endpoint agents
    backups: ClassVar[SectionField[BackupSettings]] = SectionField(
        "muniops.inventory.backup_policy:BackupSettings")  # backups checked by agents
    kpis: ClassVar[SectionField[KpiSettings]] = SectionField(
        "muniops.inventory.kpi_policy:KpiSettings")  # performance indicators
    playbooks: ClassVar[SectionField[PlaybookSettings]] = SectionField(
        "muniops.collector.ssh.config:PlaybookSettings")  # SSH devices, schedule
    licences: ClassVar[SectionField[LicenceSettings]] = SectionField(
        "muniops.inventory.software_rules:LicenceSettings")  # product rule file
    events: ClassVar[SectionField[EventSettings]] = SectionField(
        "muniops.collector.events.config:EventSettings")  # traps, syslog, alerts
    web: ClassVar[SectionField[WebSettings]] = SectionField(
        "muniops.collector.web.config:WebSettings")  # web pages and sign-in
    district: ClassVar[SectionField[DistrictSettings]] = SectionField(
        "muniops.collector.district.config:DistrictSettings")  # central or district

    _given: dict[str, Any] = PrivateAttr(default_factory=dict)  # section -> raw values
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any) -> None:
        """Sections may be given as models (kept) or as mappings (validated when read)."""
        names = self.section_names()
        given = {key: data.pop(key) for key in list(data) if key in names}
        super().__init__(**data)
        for key, value in given.items():
            if isinstance(value, BaseModel):
                self._sections[key] = value
            elif value is not None:
                self._given[key] = value

    @classmethod
    def section_names(cls) -> list[str]:
        return [name for name, value in vars(cls).items() if isinstance(value, SectionField)]

    def section(self, name: str) -> Any:
        """The section ``name``, validated on first read; ConfigError names what is wrong."""
        if name not in self._sections:
            field: SectionField[BaseModel] = getattr(type(self), name)
            try:
                self._sections[name] = field.model().model_validate(self._given.get(name, {}))
            except ValidationError as exc:
                raise ConfigError(indented(f"{self.source}: invalid configuration",
                                           _section_problems(name, exc))) from None
        return self._sections[name]

    def section_problems(self) -> list[str]:
        """What is wrong in any section, all of them validated now."""
        found: list[str] = []
        for name in self.section_names():
            try:
                self.section(name)
            except ConfigError as exc:
                found += [line.strip() for line in str(exc).splitlines()[1:]]
        return found

    def validate_sections(self) -> None:
        found = self.section_problems()
        if found:
            raise ConfigError(indented(f"{self.source}: invalid configuration", found))

    def dump(self) -> dict[str, Any]:
        """Every setting as JSON values, secrets masked (``config check`` shows it)."""
        shown = self.model_dump(mode="json")
        for name in self.section_names():
            shown[name] = self.section(name).model_dump(mode="json")
        return shown

    @property
    def db_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        from muniops.inventory.db import sqlite_url  # the store's engine loads on first use

        return sqlite_url(self.data_dir)


def _section_problems(name: str, exc: ValidationError) -> list[str]:
    return [f"{name}.{where(e)}: {what(e)}" if e["loc"] else f"{name}: {what(e)}"
            for e in exc.errors()]


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """``MUNIOPS_<KEY>`` and ``MUNIOPS_<SECTION>__<KEY>__...`` as nested settings (names are
    not case-sensitive; a value starting with ``{`` or ``[`` is read as JSON). Variables
    naming no setting (``MUNIOPS_CONFIG``, a credential's ``${MUNIOPS_SNMP_KEY}``) are not
    settings and are left alone."""
    keys = (set(Settings.model_fields) - {"source"}) | set(Settings.section_names())
    found: dict[str, Any] = {}
    for var, value in sorted(environ.items()):
        if not var.upper().startswith(ENV_PREFIX):
            continue
        path = var[len(ENV_PREFIX):].lower().split("__")
        if path[0] not in keys or "" in path:
            continue
        node = found
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = _env_value(value)
    return found


def _env_value(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            pass
    return value


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key] = _merge(dict(base[key]), value)
        else:
            base[key] = value
    return base


def _format_validation(source: str, exc: ValidationError) -> str:
    return indented(f"{source}: invalid configuration", problems(exc))


# top-level keys holding paths, resolved relative to the config file's folder
PATH_KEYS = ["data_dir", "credentials_file"]


# and in sections: section -> its keys holding paths
SECTION_PATH_KEYS = {"api": ["tls_cert", "tls_key"], "district": ["ca_file"]}


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    for key in PATH_KEYS:
        if isinstance(data.get(key), str):
            data[key] = str((base / data[key]).resolve())
    for name, keys in SECTION_PATH_KEYS.items():
        section = data.get(name)
        if isinstance(section, dict):
            for key in keys:
                if isinstance(section.get(key), str):
                    section[key] = str((base / section[key]).resolve())
    return data


def load_settings(path: Path | str | None = None) -> Settings:
    """Read the config file (``--config``, else ``$MUNIOPS_CONFIG``, else defaults) and validate
    it with the environment overrides applied. Raises ConfigError naming what is wrong."""
    if path is None and os.environ.get(CONFIG_ENV):
        path = os.environ[CONFIG_ENV]
    data: dict[str, Any] = {}
    source = "<defaults>"
    if path is not None:
        file = Path(path)
        source = str(file)
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{file}: no such configuration file") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{file}: not valid YAML: {exc}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{file}: expected a mapping of settings at the top level")
        data = _resolve_paths(dict(loaded or {}), file.resolve().parent)
    data = _merge(data, from_environment(os.environ))  # the environment wins over the file
    try:
        return Settings(**data, source=source)
    except ValidationError as exc:
        raise ConfigError(_format_validation(source, exc)) from None
