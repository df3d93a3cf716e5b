"""Every table of the store. Importing this module registers them all on SQLModel.metadata,
which is what alembic compares migrations against: a new table module is imported here."""

from muniops.inventory.models.audit import AuditEntry
from muniops.inventory.models.auth import ApiToken
from muniops.inventory.models.core import Asset, AssetMac, Assignment, Person, Site
from muniops.inventory.models.enums import AssetKind, AssetStatus, RepairOutcome, Role
from muniops.inventory.models.repairs import RepairTicket

__all__ = [
    "ApiToken",
    "Asset",
    "AssetKind",
    "AssetMac",
    "AssetStatus",
    "Assignment",
    "AuditEntry",
    "Person",
    "RepairOutcome",
    "RepairTicket",
    "Role",
    "Site",
]
