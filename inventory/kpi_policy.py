"""The ``kpis:`` section of the configuration: the performance indicators a monitoring
committee reviews, each with its target and the districts it applies to, and the calendar
and zone their periods (bi-weekly, two-monthly, six-monthly) are counted in."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

IndicatorName = Literal[
    "device_availability", "link_availability", "antivirus_compliance", "pm_completion",
    "repair_turnaround_days", "warranty_vendor_days", "backup_success",
    "config_backup_success", "unknown_resolved",
]
PeriodKind = Literal["biweekly", "two-monthly", "six-monthly"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("biweekly", "two-monthly", "six-monthly")
# indicators counted in days, where less is better; every other one is a share (0 to 1)
LOWER_IS_BETTER = ("repair_turnaround_days", "warranty_vendor_days")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Indicator(Strict):
    name: IndicatorName
    # a share (0.99 = 99 %) or, for the *_days indicators, the most days allowed
    target: float = Field(ge=0)
    districts: list[str] = Field(default_factory=list)  # empty: every district
    within_days: int = Field(default=7, ge=1, le=365)  # unknown_resolved: resolved within

    @model_validator(mode="after")
    def _share(self) -> Indicator:
        if self.name not in LOWER_IS_BETTER and self.target > 1:
            raise ValueError(f"{self.name}: the target is a share from 0 to 1, "
                             f"got {self.target:g}")
        return self

    @property
    def lower_is_better(self) -> bool:
        return self.name in LOWER_IS_BETTER

    def met(self, actual: float | None) -> bool | None:
        if actual is None:
            return None
        return actual <= self.target if self.lower_is_better else actual >= self.target


CalendarName = Literal["gregorian", "jalali"]


class SiteCalendar(Strict):
    """A site's own calendar for its periods (``kpis.sites.NAME``)."""

    calendar: CalendarName
    timezone: str | None = None  # default: ``kpis.timezone``

    @model_validator(mode="after")
    def _zone(self) -> SiteCalendar:
        _check_zone(self.timezone)
        return self


def _check_zone(name: str | None) -> None:
    from zoneinfo import ZoneInfo

    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"not a time zone: {name!r}") from exc


class KpiSettings(Strict):
    """``kpis:`` in the configuration."""

    calendar: CalendarName = "gregorian"  # every site's, unless ``sites`` says otherwise
    timezone: str = "UTC"  # the zone period boundaries are midnights of
    # sites whose periods follow another calendar (a district office on the Jalali year
    # while the city reports on the Gregorian one), by site name
    sites: dict[str, SiteCalendar] = Field(default_factory=dict)
    biweekly_anchor: date = date(2024, 1, 6)  # the first day of some bi-weekly period
    # how often link, antivirus and configuration-backup states are looked at
    sample_minutes: int = Field(default=5, ge=1, le=24 * 60)
    config_backup_max_age_hours: float = Field(default=26, gt=0)
    report_periods: int = Field(default=3, ge=1, le=24)  # periods the report's history shows
    indicators: list[Indicator] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> KpiSettings:
        names = [i.name for i in self.indicators]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"indicators must be unique: {', '.join(dupes)}")
        return self

    def for_site(self, site: str | None) -> KpiSettings:
        """These settings with the site's own calendar and zone (itself if it has none)."""
        own = self.sites.get(site or "")
        if own is None:
            return self
        return self.model_copy(update={"calendar": own.calendar,
                                       "timezone": own.timezone or self.timezone,
                                       "sites": {}})
