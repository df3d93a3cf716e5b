"""Jalali dates, day boundaries in Tehran and Istanbul, Persian digits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from muniops.collector.reports.calendars import format_date, format_datetime, to_persian_digits
from muniops.collector.reports.config import Calendar
from muniops.inventory.models.pm import PmState, PmTask
from muniops.inventory.pm import add_months, local_day, state_on

J, G = Calendar.JALALI, Calendar.GREGORIAN


@pytest.mark.parametrize(("day", "jalali"), [
    (date(2024, 3, 20), "1403-01-01"),  # Nowruz 1403
    (date(2025, 3, 21), "1404-01-01"),  # Nowruz 1404
    (date(2025, 3, 20), "1403-12-30"),  # 1403 is a leap year: Esfand has 30 days
    (date(2024, 3, 19), "1402-12-29"),
    (date(2026, 11, 22), "1405-09-01"),
])
def test_jalali_known_dates(day: date, jalali: str) -> None:
    assert format_date(day, J) == jalali
    assert format_date(day, G) == day.isoformat()


@pytest.mark.parametrize(("utc", "tz", "local"), [
    # Tehran is UTC+03:30 (no DST since 2022): Nowruz 1403 starts at 20:30 UTC the day before
    (datetime(2024, 3, 19, 20, 29, tzinfo=UTC), "Asia/Tehran", "1402-12-29 23:59"),
    (datetime(2024, 3, 19, 20, 30, tzinfo=UTC), "Asia/Tehran", "1403-01-01 00:00"),
    # Istanbul is UTC+03:00
    (datetime(2025, 3, 20, 20, 59, tzinfo=UTC), "Europe/Istanbul", "1403-12-30 23:59"),
    (datetime(2025, 3, 20, 21, 0, tzinfo=UTC), "Europe/Istanbul", "1404-01-01 00:00"),
])
def test_day_boundaries_in_site_time_zones(utc: datetime, tz: str, local: str) -> None:
    from zoneinfo import ZoneInfo

    assert format_datetime(utc.astimezone(ZoneInfo(tz)), J) == local
    assert format_date(local_day(utc, tz), J) == local[:10]


def test_a_task_turns_overdue_at_the_sites_midnight() -> None:
    task = PmTask(asset_id=1, policy="p", team="t", due_date=date(2024, 3, 19), lead_days=3)
    before = datetime(2024, 3, 19, 20, 29, tzinfo=UTC)
    after = datetime(2024, 3, 19, 20, 30, tzinfo=UTC)
    assert state_on(task, local_day(before, "Asia/Tehran")) == PmState.DUE
    assert state_on(task, local_day(after, "Asia/Tehran")) == PmState.OVERDUE
    # the same instant is still the due day in Istanbul (22:30) and in UTC
    assert state_on(task, local_day(after, "Europe/Istanbul")) == PmState.DUE
    assert state_on(task, date(2024, 3, 15)) == PmState.PLANNED
    assert state_on(task, date(2024, 3, 16)) == PmState.DUE  # lead time of 3 days


def test_months_are_added_on_the_calendar() -> None:
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 15), -6) == date(2024, 7, 15)


def test_persian_digits() -> None:
    assert to_persian_digits("1403-01-01 09:30") == "۱۴۰۳-۰۱-۰۱ ۰۹:۳۰"
