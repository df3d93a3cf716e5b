"""The ``events:`` section: where the trap and syslog receivers listen, which credentials
a trap may carry, the rule files, how soon a trap polls and a config change backs up, and
the people each district's alerts go to (``events.alerts``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from muniops.collector.core.addresses import split_address

# the rules shipped with muniops; ``trap_files`` override them by OID, ``syslog_files`` are
# tried before them (the first matching rule wins)
BUILTIN_RULES = Path(__file__).resolve().parents[2] / "config" / "events"


class _Strict(BaseModel):
    # the rule of collector.settings.Section (which imports this module): unknown keys fail
    model_config = ConfigDict(extra="forbid")


def _address(value: str) -> str:
    if value:
        split_address(value)
    return value


Address = Annotated[str, AfterValidator(_address)]  # HOST:PORT, or "" for off


class TrapSettings(_Strict):
    """SNMP trap and inform receiver. Port 162 needs root or CAP_NET_BIND_SERVICE (or a
    port mapping, see the README); ``listen: ""`` turns it off."""

    listen: Address = "0.0.0.0:162"
    # credentials (names in the credentials file) a trap may carry; the registered
    # devices' own polling credentials are accepted too unless told otherwise
    credentials: list[str] = Field(default_factory=list)
    accept_device_credentials: bool = True
    # a burst waits here while it is handled: about 30,000 small traps in 32 MiB (memory
    # is used only while they wait; without root, net.core.rmem_max caps it)
    receive_buffer_bytes: int = Field(default=32 * 1024 * 1024, ge=65536)


class SyslogSettings(_Strict):
    """Syslog receiver, RFC 3164 and RFC 5424; ``""`` turns a transport off."""

    udp: Address = "0.0.0.0:514"
    tcp: Address = "0.0.0.0:514"
    max_message_bytes: int = Field(default=8192, ge=480, le=65536)
    receive_buffer_bytes: int = Field(default=16 * 1024 * 1024, ge=65536)  # UDP bursts


class District(_Strict):
    """Who hears of a district's alerts. The district's sites come from the register."""

    emails: list[str] = Field(default_factory=list)
    webhooks: list[str] = Field(default_factory=list)  # chat bots, ticket systems...
    critical_emails: list[str] = Field(default_factory=list)  # also told of critical ones


class SmtpSettings(_Strict):
    smarthost: Address = "localhost:25"  # HOST:PORT
    sender: str = "muniops@localhost"
    username: str = ""
    password: SecretStr | None = None  # written to Alertmanager's config, never logged
    password_file: Path | None = None  # better: Alertmanager reads the password from it
    require_tls: bool = True  # STARTTLS
    ca_file: Path | None = None
    insecure_skip_verify: bool = False


class AlertSettings(_Strict):
    """What ``muniops alerts config`` turns into Alertmanager's configuration."""

    smtp: SmtpSettings = SmtpSettings()
    districts: dict[str, District] = Field(default_factory=dict)
    default: District = District()  # alerts of sites in no district
    # where Alertmanager posts every notification back (``muniops serve``'s webhook)
    collector_url: str = "http://127.0.0.1:8470"
    collector_token_file: Path | None = None  # a technician's API token, for the webhook
    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "4h"


class EventSettings(_Strict):
    enabled: bool = False  # the receivers listen only when this is true
    traps: TrapSettings = TrapSettings()
    syslog: SyslogSettings = SyslogSettings()
    trap_files: list[Path] = Field(default_factory=list)
    syslog_files: list[Path] = Field(default_factory=list)
    # a trap polls its device at once; again no sooner than this after a trap-made poll
    poll_min_interval_seconds: float = Field(default=30.0, ge=0)
    # a config-change message backs its device up this long after (a burst: once)
    backup_delay_seconds: float = Field(default=20.0, ge=0, le=60)
    backup_playbook: str = "backup-config"
    queue_size: int = Field(default=100_000, ge=100)  # received, not yet handled
    alerts: AlertSettings = AlertSettings()

    def all_trap_files(self) -> list[Path]:
        return [BUILTIN_RULES / "traps.yaml", *self.trap_files]

    def all_syslog_files(self) -> list[Path]:
        return [*self.syslog_files, BUILTIN_RULES / "syslog.yaml"]
