"""Each site's periods follow its own calendar: City Hall on the Gregorian year, the North
Office on the Jalali one (``kpis.sites``). On a store built here with PM tasks due on both
sides of the two calendars' boundaries, every figure is the one worked out by hand, and
the metrics the recording rules sum hold the same tallies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from muniops.collector.kpi.figures import ALL, Figure, figures
from muniops.collector.kpi.runtime import snapshot
from muniops.inventory import kpis
from muniops.inventory.agent_policy import AntivirusPolicy
from muniops.inventory.backup_policy import BackupSettings
from muniops.inventory.db import Database
from muniops.inventory.kpi_policy import KpiSettings
from muniops.inventory.models import Asset, AssetKind, AssetStatus, Site
from muniops.inventory.models.pm import PmState, PmTask

KPIS = KpiSettings.model_validate({
    "calendar": "gregorian",
    "sites": {"North Office": {"calendar": "jalali", "timezone": "Asia/Tehran"}},
    "indicators": [{"name": "pm_completion", "target": 0.9}]})
CTX = kpis.Context(KPIS, BackupSettings(), AntivirusPolicy())
DAY = date(2026, 12, 20)  # 1405-09-29
NOW = datetime(2027, 1, 25, tzinfo=UTC)  # after both periods ended
# two-monthly periods of DAY: Gregorian Nov–Dec (2026-11-01 … 2026-12-31), before it
# Sep–Oct; Jalali Azar–Dey 1405 (2026-11-22 … 2027-01-20), before it Mehr–Aban
# (2026-09-23 … 2026-11-21)
TASKS = {
    "City Hall": [("2026-11-05", PmState.DONE), ("2026-11-15", PmState.OVERDUE),
                  ("2026-10-20", PmState.DONE),     # the Gregorian period before
                  ("2027-01-10", PmState.DONE)],    # in Azar–Dey, not in Nov–Dec
    "North Office": [("2026-11-05", PmState.DONE),  # Nov–Dec, but Mehr–Aban: before
                     ("2026-11-25", PmState.DONE), ("2026-12-10", PmState.DONE),
                     ("2027-01-15", PmState.OVERDUE)],  # Azar–Dey, not Nov–Dec
}


def _fill(s: Session) -> None:
    for name, district in (("City Hall", "Center"), ("North Office", "North")):
        site = Site(name=name, district=district)
        s.add(site)
        s.flush()
        asset = Asset(asset_tag=f"PC-{district}", kind=AssetKind.PC,
                      status=AssetStatus.DEPLOYED, site_id=site.id)
        s.add(asset)
        s.flush()
        for due, state in TASKS[name]:
            s.add(PmTask(asset_id=asset.id or 0, policy="default", team="hardware",
                         due_date=date.fromisoformat(due), state=state))


@pytest.fixture
def store(db: Database) -> Database:
    with db.write() as s:
        _fill(s)
    return db


def _rows(db: Database, settings: KpiSettings = KPIS) -> dict[tuple[str, str | None], Figure]:
    with db.read() as s:
        return {(f.district, f.site): f
                for f in figures(s, settings, CTX, "two-monthly", DAY, NOW)}


def test_each_site_counts_its_own_calendars_period(store: Database) -> None:
    rows = _rows(store)
    ch, north = rows[("Center", "City Hall")], rows[("North", "North Office")]
    assert (ch.calendar, ch.start, ch.end) == ("gregorian", date(2026, 11, 1),
                                               date(2026, 12, 31))
    assert (ch.numerator, ch.denominator, ch.previous) == (1, 2, 1.0)
    assert (north.calendar, north.start, north.end) == ("jalali", date(2026, 11, 22),
                                                        date(2027, 1, 20))
    assert (north.numerator, north.denominator) == (2, 3)
    assert north.actual == pytest.approx(2 / 3) and north.previous == 1.0  # Mehr–Aban: 1/1
    # a district of Jalali sites is on the Jalali period too
    district = rows[("North", None)]
    assert (district.calendar, district.start, district.numerator, district.denominator) == (
        "jalali", date(2026, 11, 22), 2, 3)
    # the municipality sums each site over its own period, and says its dates are a span
    city = rows[(ALL, None)]
    assert (city.calendar, city.start, city.end) == ("mixed", date(2026, 11, 1),
                                                     date(2027, 1, 20))
    assert (city.numerator, city.denominator) == (3, 5) and city.met is False


def test_on_one_calendar_the_boundaries_move(store: Database) -> None:
    """The same store with every site on the Gregorian year: the North Office's tasks of
    late November count, its January one does not."""
    rows = _rows(store, KPIS.model_copy(update={"sites": {}}))
    north = rows[("North", "North Office")]
    assert (north.calendar, north.start, north.numerator, north.denominator) == (
        "gregorian", date(2026, 11, 1), 3, 3)
    assert rows[(ALL, None)].calendar == "gregorian"


def test_the_metrics_hold_each_sites_own_period(store: Database) -> None:
    with store.read() as s:
        found = snapshot(s, KPIS, CTX, DAY, NOW)[("pm_completion", "two-monthly")]
    assert {k: (t.num, t.den) for k, t in found.items()} == {
        ("Center", "City Hall"): (1, 2), ("North", "North Office"): (2, 3)}


def test_a_site_calendar_names_a_calendar_and_a_real_zone() -> None:
    with pytest.raises(ValidationError, match=r"sites\.North Office\.calendar"):
        KpiSettings.model_validate({"sites": {"North Office": {"calendar": "lunar"}}})
    with pytest.raises(ValidationError, match="not a time zone: 'Mars/Olympus'"):
        KpiSettings.model_validate({"sites": {"N": {"calendar": "jalali",
                                                    "timezone": "Mars/Olympus"}}})
    own = KPIS.for_site("North Office")
    assert (own.calendar, own.timezone) == ("jalali", "Asia/Tehran")
    assert KPIS.for_site("City Hall") is KPIS
