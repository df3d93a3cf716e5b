"""A network device's district, from its name: the one place the configuration, compliance
and polling routes ask whether a caller may see a device. A device of the register
has its site; one removed from it keeps its history under the site its last backup or
compliance check was recorded under."""

from __future__ import annotations

from sqlmodel import Session, col, select

from muniops.inventory import devices
from muniops.inventory.errors import NotFound
from muniops.inventory.models import Site
from muniops.inventory.models.configs import ComplianceResult, ConfigBackupState
from muniops.inventory.scope import Scope


def device_site(session: Session, device: str) -> Site | None:
    registered = devices.find(session, device)
    if registered is not None and registered.site_id is not None:
        return devices.site_of(session, registered)
    name = session.exec(select(ConfigBackupState.site).where(
        ConfigBackupState.device == device)).first()
    if not name:
        name = session.exec(select(ComplianceResult.site).where(
            ComplianceResult.device == device, col(ComplianceResult.site) != "")).first()
    return session.exec(select(Site).where(Site.name == name)).first() if name else None


def require_device(session: Session, device: str, scope: Scope) -> None:
    """A device outside the caller's district does not exist for it."""
    if scope.is_limited and not scope.covers(device_site(session, device)):
        raise NotFound("device", repr(device))
