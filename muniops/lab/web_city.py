"""A small city for the web pages' tests and screenshots: three sites in two districts
and a city hall, people, PCs and a switch with PM tasks due today, one PC's last agent
report, an unknown device, and accounts for a technician, a liaison and a viewer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from sqlmodel import select

from muniops.inventory import accounts, migrate, pm, sites
from muniops.inventory.assets import add_asset
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.models import AssetKind, AssetStatus, Role
from muniops.inventory.models.agents import HostFacts
from muniops.inventory.models.discovery import UnknownDevice
from muniops.inventory.models.pm import PmState, PmTask
from muniops.inventory.pm_policy import PmSettings
from muniops.inventory.schemas import AssetCreate, PersonCreate, SiteCreate
from muniops.inventory.types import utcnow

PASSWORDS = {"tech": "tech-password-1", "liaison1": "liaison-password-1",
             "viewer": "viewer-password-1", "admin": "admin-password-1"}
SITES = [("City Hall", "Center", "Asia/Tehran"), ("District 1 Office", "D1", "Asia/Tehran"),
         ("District 2 Office", "D2", "Europe/Istanbul")]
ASSETS = [("PC-1", AssetKind.PC, "City Hall", "Room 101", "pc-1"),
          ("PC-2", AssetKind.PC, "District 1 Office", "Room 3", "pc-2"),
          ("PC-3", AssetKind.PC, "District 2 Office", "Front desk", "pc-3"),
          ("SW-1", AssetKind.SWITCH, "City Hall", "Rack A", "sw-1")]
PM = {"default": {"team": "hardware",
                  "checklist": ["clean fans", "check disks", "check cables"]},
      "policies": [{"name": "network", "kinds": ["switch", "router"], "team": "network",
                    "checklist": ["check fans", "check logs", "save config"]}]}


def write_config(folder: Path, **web: object) -> Path:
    """The collector's configuration for this city (``web:`` as given)."""
    config = folder / "muniops.yaml"
    data: dict[str, object] = {"data_dir": str(folder / "data"), "pm": PM,
                               "reports": {"calendar": "jalali", "lang": "en"}}
    if web:
        data["web"] = web
    config.write_text(yaml.safe_dump(data))
    return config


def seed(folder: Path) -> Database:
    """A migrated SQLite store in ``folder/data`` holding the city."""
    (folder / "data").mkdir(mode=0o700, parents=True, exist_ok=True)
    db = Database(sqlite_url(folder / "data"))
    migrate.upgrade(db.engine)
    now = utcnow()
    with db.write() as s:
        for name, district, tz in SITES:
            sites.add_site(s, SiteCreate(name=name, district=district, timezone=tz), actor="lab")
        sites.add_person(s, PersonCreate(name="Reza Ahmadi", employee_id="E100",
                                         site="City Hall"), actor="lab")
        sites.add_person(s, PersonCreate(name="Sara Karimi", employee_id="E200",
                                         site="District 1 Office"), actor="lab")
        sites.add_person(s, PersonCreate(name="Ayse Demir", employee_id="E300",
                                         site="District 2 Office"), actor="lab")
        ids: dict[str, int] = {}
        for tag, kind, site, location, host in ASSETS:
            ids[tag] = add_asset(s, AssetCreate(
                asset_tag=tag, kind=kind, site=site, location=location, hostname=host,
                vendor="Dell" if kind == AssetKind.PC else "Cisco",
                status=AssetStatus.DEPLOYED), actor="lab").id or 0
        pm.sync_plan(s, PmSettings.model_validate(PM), actor="lab", now=now)
        for task in s.exec(select(PmTask)):  # every first visit is due today
            task.due_date, task.state = now.date(), PmState.DUE
        s.add(HostFacts(asset_id=ids["PC-2"], reported_at=now - timedelta(hours=2), facts={
            "os": {"family": "windows"},
            "filesystems": [{"mountpoint": "C:", "size_bytes": 256_000_000_000,
                             "used_bytes": 240_000_000_000}]},
            antivirus={"state": "ok", "products": [{
                "product": "Windows Defender", "enabled": True, "realtime": True,
                "up_to_date": True,
                "signature_time": (now - timedelta(days=12)).isoformat()}]}))
        s.add(UnknownDevice(mac="aa:bb:cc:00:11:22", site="District 1 Office",
                            ip="10.1.0.77", vendor="TP-Link"))
        s.add(UnknownDevice(mac="aa:bb:cc:00:33:44", site="District 2 Office",
                            ip="10.2.0.9", vendor="Xiaomi"))
        accounts.create_account(s, "tech", Role.TECHNICIAN, actor="lab", person="E100",
                                password=PASSWORDS["tech"], team="hardware")
        accounts.create_account(s, "liaison1", Role.LIAISON, actor="lab", person="E200",
                                password=PASSWORDS["liaison1"], district="D1")
        accounts.create_account(s, "viewer", Role.VIEWER, actor="lab",
                                password=PASSWORDS["viewer"])
        accounts.create_account(s, "admin", Role.ADMIN, actor="lab",
                                password=PASSWORDS["admin"])
    return db
