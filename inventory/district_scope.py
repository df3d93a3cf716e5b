"""What a district collector may speak for at the centre: the sites of its own district
and the register's devices at them. Every kind of item it forwards is checked here, so
a district never writes another district's data."""

from __future__ import annotations

from sqlmodel import Session

from muniops.inventory import devices
from muniops.inventory.errors import AccessDenied, NotFound
from muniops.inventory.models import DistrictCollector, Site


def district_of(session: Session, collector: DistrictCollector) -> str:
    site = session.get(Site, collector.site_id)
    return site.district if site is not None else ""


def check_site(session: Session, collector: DistrictCollector, site: Site | None,
               what: str) -> None:
    """A district collector speaks only for its own district's sites."""
    mine = district_of(session, collector)
    if site is None or site.district != mine:
        where = f"site {site.name!r} of district {site.district!r}" if site else "no site"
        raise AccessDenied(f"{what}: {where} is outside district {mine!r} of district "
                           f"collector {collector.name}")


def device_site(session: Session, collector: DistrictCollector, device: str) -> Site:
    """The central register's device ``device``, which must be at one of the district's
    sites: its site (the results are recorded under the central's site name)."""
    found = devices.find(session, device)
    if found is None:
        raise NotFound("device", f"{device!r} (not in the central register)")
    site = devices.site_of(session, found)
    check_site(session, collector, site, f"device {device!r}")
    assert site is not None
    return site
