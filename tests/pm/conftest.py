"""A small city for the PM and report tests: sites in Tehran and Istanbul, assets of
several kinds, a policy with two teams."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from muniops.inventory import sites
from muniops.inventory.assets import add_asset
from muniops.inventory.db import Database
from muniops.inventory.models import Asset, AssetKind, AssetStatus
from muniops.inventory.pm_policy import PmRule, PmSettings
from muniops.inventory.schemas import AssetCreate, SiteCreate

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday

SITES = [("City Hall", "Center", "Asia/Tehran"), ("District 1 Office", "D1", "Asia/Tehran"),
         ("Kadikoy Office", "Kadikoy", "Europe/Istanbul")]


def policy(max_per_week: int = 50) -> PmSettings:
    return PmSettings(
        max_per_week=max_per_week,
        default=PmRule(team="hardware", checklist=["clean fans", "check disks", "check cables"]),
        policies=[PmRule(name="network", kinds=[AssetKind.SWITCH, AssetKind.ROUTER],
                         team="network", lead_days=7,
                         checklist=["check fans", "check logs", "save config"])])


def add_sites(s: Session) -> None:
    for name, district, tz in SITES:
        sites.add_site(s, SiteCreate(name=name, district=district, timezone=tz), actor="t")


def add(s: Session, tag: str, kind: AssetKind = AssetKind.PC, site: str = "City Hall",
        status: AssetStatus = AssetStatus.DEPLOYED, **extra: object) -> Asset:
    return add_asset(s, AssetCreate(asset_tag=tag, kind=kind, site=site, status=status,
                                    **extra), actor="t")  # type: ignore[arg-type]


def bulk_assets(s: Session, site_ids: list[int], per_site: int, kind: AssetKind,
                prefix: str) -> None:
    """Many assets at once (no audit): the planner only reads the register."""
    s.add_all(Asset(asset_tag=f"{prefix}-{sid}-{n}", kind=kind, site_id=sid,
                    status=AssetStatus.DEPLOYED, purchase_date=date(2020, 1, 1))
              for sid in site_ids for n in range(per_site))
    s.flush()


@pytest.fixture
def city(db: Database) -> Database:
    with db.write() as s:
        add_sites(s)
        add(s, "PC-1", warranty_end=date(2026, 2, 1), purchase_date=date(2018, 1, 10))
        add(s, "PC-2", site="District 1 Office", purchase_date=date(2024, 6, 1))
        add(s, "PC-3", site="Kadikoy Office", purchase_date=date(2019, 3, 1),
            economic_life_years=10)
        add(s, "SW-1", kind=AssetKind.SWITCH, warranty_end=date(2026, 1, 20))
        add(s, "NEW-1", status=AssetStatus.DISCOVERED)
    return db
