"""What a report is asked for: the period, the filters, the calendar for grouping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from muniops.collector.reports.config import Calendar, ReportSettings
from muniops.inventory.agent_policy import AntivirusPolicy
from muniops.inventory.backup_policy import BackupSettings
from muniops.inventory.kpi_policy import KpiSettings
from muniops.inventory.models import AssetKind, AssetStatus, Site
from muniops.inventory.pm import zone
from muniops.inventory.pm_policy import PmSettings
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.software_rules import LicenceSettings
from muniops.inventory.types import utcnow


@dataclass
class ReportRequest:
    settings: ReportSettings = field(default_factory=ReportSettings)
    pm: PmSettings = field(default_factory=PmSettings)
    antivirus: AntivirusPolicy = field(default_factory=AntivirusPolicy)
    licences: LicenceSettings = field(default_factory=LicenceSettings)
    backups: BackupSettings = field(default_factory=BackupSettings)
    kpis: KpiSettings = field(default_factory=KpiSettings)
    period: str | None = None  # kpis: biweekly, two-monthly or six-monthly
    calendar: Calendar = Calendar.GREGORIAN
    now: datetime = field(default_factory=utcnow)
    date_from: date | None = None
    date_to: date | None = None
    days: int | None = None
    site: str | None = None
    district: str | None = None
    team: str | None = None
    kind: AssetKind | None = None
    status: AssetStatus | None = None
    scope: Scope = EVERYWHERE

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.settings.timezone)

    @property
    def today(self) -> date:
        """Today in the report's own zone."""
        return self.now.astimezone(self.tz).date()

    def site_tz(self, site: Site | None) -> ZoneInfo:
        return zone(site.timezone) if site else self.tz

    def local(self, moment: datetime | None, site: Site | None) -> datetime | None:
        """A stored UTC time as the site's clock shows it."""
        return moment.astimezone(self.site_tz(site)) if moment else None
