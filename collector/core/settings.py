"""Collector configuration: a YAML file validated strictly, then ``MUNIOPS_*`` environment
overrides (``MUNIOPS_DATABASE_URL``, ``MUNIOPS_API__LISTEN``...). Feature sections are
models of their own, added here as fields."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from muniops.collector.core.addresses import split_address
from muniops.collector.discovery.config import DiscoverySettings
from muniops.collector.district.config import DistrictSettings  # district collectors
from muniops.collector.events.config import EventSettings  # traps, syslog, alert routing
from muniops.collector.reports.config import ReportSettings  # report defaults
from muniops.collector.snmp.config import SnmpSettings  # SNMP polling
from muniops.collector.ssh.config import PlaybookSettings  # SSH devices and playbooks
from muniops.collector.web.config import WebSettings  # web pages, accounts, LDAP
from muniops.inventory.agent_policy import AgentSettings  # endpoint agents
from muniops.inventory.backup_policy import BackupSettings  # backups (collector/backups)
from muniops.inventory.errors import ConfigError
from muniops.inventory.kpi_policy import KpiSettings  # indicators (collector/kpi)
from muniops.inventory.pm_policy import PmSettings  # preventive maintenance policy
from muniops.inventory.software_rules import LicenceSettings  # software licences
from muniops.inventory.validation import indented, problems

__all__ = ["ConfigError", "Section", "Settings", "load_settings"]

CONFIG_ENV = "MUNIOPS_CONFIG"


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


class Settings(BaseSettings):
    """Everything the collector and the CLI read. Relative paths are relative to the file."""

    model_config = SettingsConfigDict(
        env_prefix="MUNIOPS_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Field(default_factory=lambda: Path.home() / ".local/share/muniops")
    database_url: SecretStr | None = None  # None: SQLite in data_dir
    # device secrets (SNMP, SSH): a separate YAML file, mode 600 (collector/credentials.py)
    credentials_file: Path | None = None
    site_name: str = "Municipality"
    api: ApiSettings = ApiSettings()
    logging: LoggingSettings = LoggingSettings()
    pm: PmSettings = PmSettings()  # preventive maintenance policy (inventory/pm_policy.py)
    reports: ReportSettings = ReportSettings()  # report defaults (collector/reports/config.py)
    discovery: DiscoverySettings = DiscoverySettings()
    snmp: SnmpSettings = SnmpSettings()
    agents: AgentSettings = AgentSettings()  # endpoint agents (inventory/agent_policy.py)
    backups: BackupSettings = BackupSettings()  # backups checked by agents (backup_policy.py)
    kpis: KpiSettings = KpiSettings()  # performance indicators (inventory/kpi_policy.py)
    playbooks: PlaybookSettings = PlaybookSettings()  # SSH devices, schedule (collector/ssh)
    licences: LicenceSettings = LicenceSettings()  # product rule file (inventory/licences.py)
    events: EventSettings = EventSettings()  # traps, syslog, alerts (collector/events)
    web: WebSettings = WebSettings()  # web pages and sign-in (collector/web)
    district: DistrictSettings = DistrictSettings()  # central or district (collector/district)
    # where the settings came from, for messages; not a setting itself
    source: str = Field(default="<defaults>", exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # the environment overrides the file, which is passed in as init kwargs
        return (env_settings, init_settings)

    @property
    def db_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        from muniops.inventory.db import sqlite_url  # the store's engine loads on first use

        return sqlite_url(self.data_dir)


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
    try:
        return Settings(**data, source=source)
    except ValidationError as exc:
        raise ConfigError(_format_validation(source, exc)) from None
