"""The ``playbooks:`` section of the collector's configuration: how many devices at once,
and when each playbook runs on its own. (Its ``devices`` list is deprecated: devices are
in the register, ``muniops devices``.)"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from muniops.collector.core.addresses import split_address
from muniops.collector.ssh.platforms import platforms

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


SSH_PORT = 22


class Section(BaseModel):
    """collector.settings.Section's rule (that module imports this one): unknown keys fail."""

    model_config = ConfigDict(extra="forbid")


class SshDevice(Section):
    """Deprecated (one release): a device listed in ``playbooks.devices``. Devices live
    in the register now (``muniops devices``); ``collector/devices/legacy.py`` imports
    these at start with a warning. ``credential`` names an ``ssh`` entry of the
    credentials file; the secret never appears here."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=120)
    address: str  # HOST or HOST:PORT
    platform: str
    credential: str
    site: str = ""
    kind: str = ""
    tags: list[str] = Field(default_factory=list)

    @field_validator("platform")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in platforms():
            raise ValueError(f"unknown platform {value!r}; known: "
                             f"{', '.join(sorted(platforms()))}")
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        split_address(value, SSH_PORT)
        return value

    @property
    def host(self) -> str:
        return split_address(self.address, SSH_PORT)[0]

    @property
    def port(self) -> int:
        return split_address(self.address, SSH_PORT)[1]


class Schedule(Section):
    """Run ``playbook`` at ``at`` (HH:MM, UTC) on the given days."""

    playbook: str
    at: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))


def _default_schedule() -> list[Schedule]:
    return [Schedule(playbook="backup-config", at="01:30"),
            Schedule(playbook="facts", at="02:30"),
            Schedule(playbook="compliance-baseline", at="04:00", days=["mon"])]


class PlaybookSettings(Section):
    workers: int = Field(default=8, ge=1, le=256)
    connect_timeout: float = Field(default=20.0, gt=0)
    devices: list[SshDevice] = Field(default_factory=list)
    schedule: list[Schedule] = Field(default_factory=_default_schedule)

    @field_validator("devices")
    @classmethod
    def _unique(cls, value: list[SshDevice]) -> list[SshDevice]:
        names = [d.name for d in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"device names must be unique: {', '.join(dupes)}")
        return value
