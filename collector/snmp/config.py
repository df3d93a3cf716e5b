"""The ``snmp:`` section of the configuration: polling defaults, where the device profiles
live, and the wireless links with the thresholds that make them degraded.

Devices themselves are registered in the store (``muniops devices add``); they name a
credential from the credentials file, never a secret."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

# the profiles shipped with muniops; ``profile_dirs`` adds to (and may override) them
BUILTIN_PROFILES = Path(__file__).resolve().parents[2] / "config" / "snmp" / "profiles"

# what one SNMP session may read before its walks stop (state "partial", the reason naming
# the cap): a device answering a table without end must not take the collector's memory.
# These bound every session (discovery's forwarding-table walks too); a device poll has the
# tighter ``device_max_*`` of the section, generous for a chassis switch (~15,000 values).
MAX_VALUES = 200_000
MAX_ROWS = 50_000
MAX_BYTES = 32 * 1024 * 1024


class _Strict(BaseModel):
    # the rule of collector.settings.Section (which imports this module): unknown keys fail
    model_config = ConfigDict(extra="forbid")


class LinkThresholds(_Strict):
    """Below any of these at either end, a link is degraded."""

    min_signal_dbm: float = -70.0
    min_snr_db: float = 20.0
    min_ccq_percent: float = 80.0


class LinkEnd(_Strict):
    device: str  # a registered device's name
    site: str = ""


class LinkConfig(_Strict):
    name: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:-]+$")
    a: LinkEnd
    b: LinkEnd
    thresholds: LinkThresholds | None = None  # None: the section's


class SnmpSettings(_Strict):
    interval_seconds: int = Field(default=300, ge=10)
    timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    retries: int = Field(default=1, ge=0, le=5)
    max_repetitions: int = Field(default=25, ge=1, le=200)
    # a device's poll stops after this and keeps what it read (state "partial")
    device_budget_seconds: float = Field(default=30.0, gt=0)
    # ... and after this many values (varbinds), rows of one column, or response bytes
    device_max_values: int = Field(default=50_000, ge=100)
    device_max_rows: int = Field(default=10_000, ge=10)
    device_max_bytes: int = Field(default=16 * 1024 * 1024, ge=64 * 1024)
    concurrency: int = Field(default=64, ge=1, le=4096)  # devices polled at once per process
    workers: int = Field(default=1, ge=1, le=64)  # processes sharing a cycle's devices
    profile_dirs: list[Path] = Field(default_factory=list)
    thresholds: LinkThresholds = LinkThresholds()
    links: list[LinkConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_links(self) -> SnmpSettings:
        names = [link.name for link in self.links]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"links: duplicate name(s) {', '.join(dupes)}")
        return self

    def all_profile_dirs(self) -> list[Path]:
        return [BUILTIN_PROFILES, *self.profile_dirs]
