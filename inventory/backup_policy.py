"""The ``backups:`` section of the configuration: which hosts keep which backups, where the
agent looks for them, and what "fresh" means (every N hours, by a time of the site's
day), and how much a backup may shrink before it is suspect.

The same rules serve both ends: the agent is handed where to look (``agent_view``), the
collector judges what the agent found (``inventory/backups.py``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from fnmatch import fnmatchcase
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

Source = Literal["files", "restic", "borg", "wsb"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppliesTo(Strict):
    """Hosts a backup is expected on: any site, hostname pattern or asset-tag pattern
    listed matches (case-insensitive shell patterns for names and tags)."""

    sites: list[str] = Field(default_factory=list)
    districts: list[str] = Field(default_factory=list)
    hostnames: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    def matches(self, site: str | None, district: str | None, hostname: str | None,
                tag: str | None) -> bool:
        def any_of(value: str | None, patterns: list[str]) -> bool:
            return bool(value) and any(fnmatchcase((value or "").lower(), p.lower())
                                       for p in patterns)

        return ((site in self.sites) or (district in self.districts)
                or any_of(hostname, self.hostnames) or any_of(tag, self.tags))


class BackupRule(Strict):
    """One named backup: where it is, how often it must be made, how much it may shrink."""

    name: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.-]+$")
    source: Source
    # files: a glob of files or folders; restic/borg: the repository; wsb: unused
    path: str = Field(default="", max_length=1000)
    # restic/borg: a file on the host holding the repository's passphrase
    password_file: str | None = Field(default=None, max_length=1000)
    host: str | None = Field(default=None, max_length=255)  # restic: only this host's snapshots
    applies_to: AppliesTo
    every_hours: float = Field(default=24, gt=0, le=24 * 60)
    # the time of the site's day by which the period's backup must exist, "06:00"
    due_by: time | None = None
    # without due_by: how long past every_hours a backup may be before it is late
    grace_hours: float = Field(default=2, ge=0)
    max_shrink_percent: float | None = Field(default=None, gt=0, le=100)

    @model_validator(mode="after")
    def _path_needed(self) -> BackupRule:
        if self.source != "wsb" and not self.path:
            raise ValueError(f"backup {self.name}: a {self.source} backup needs a path")
        return self

    def agent_view(self) -> dict[str, Any]:
        """What the agent needs to look: never the freshness rules, never a secret."""
        view: dict[str, Any] = {"name": self.name, "source": self.source, "path": self.path}
        if self.password_file:
            view["password_file"] = self.password_file
        if self.host:
            view["host"] = self.host
        return view

    def due_since(self, now: datetime, tz: ZoneInfo) -> datetime:
        """The earliest time a backup may have been made and still count as fresh now."""
        every = timedelta(hours=self.every_hours)
        if self.due_by is None:
            return now - every - timedelta(hours=self.grace_hours)
        local = now.astimezone(tz)
        deadline = datetime.combine(local.date(), self.due_by, tz)
        if deadline > local:
            deadline -= timedelta(days=1)
        return deadline - every


class BackupSettings(Strict):
    """``backups:`` in the configuration."""

    # a backup smaller than the one before it by more than this share is suspect
    max_shrink_percent: float = Field(default=20, gt=0, le=100)
    policies: list[BackupRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> BackupSettings:
        names = [p.name for p in self.policies]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"backup names must be unique: {', '.join(dupes)}")
        return self

    def rules_for(self, site: str | None, district: str | None, hostname: str | None,
                  tag: str | None) -> list[BackupRule]:
        return [r for r in self.policies if r.applies_to.matches(site, district, hostname, tag)]

    def rule(self, name: str) -> BackupRule | None:
        return next((r for r in self.policies if r.name == name), None)

    def shrink_limit(self, rule: BackupRule) -> float:
        return (rule.max_shrink_percent or self.max_shrink_percent) / 100
