"""Every table of the store. Importing this module registers them all on SQLModel.metadata,
which is what alembic compares migrations against: a new table module is imported here."""

from muniops.inventory.models.agents import (  # noqa: F401  (endpoint agents)
    Agent,
    AgentReport,
    EnrollmentSecret,
    HostFacts,
    HostSoftware,
)
from muniops.inventory.models.audit import AuditEntry
from muniops.inventory.models.auth import ApiToken
from muniops.inventory.models.backups import (  # noqa: F401  (backups, indicators)
    BackupSample,
    BackupStatus,
    KpiSample,
)
from muniops.inventory.models.configs import (  # noqa: F401  (SSH playbooks)
    ComplianceResult,
    ConfigBackupState,
    ConfigVersion,
    DeviceFacts,
)
from muniops.inventory.models.core import Asset, AssetMac, Assignment, Person, Site
from muniops.inventory.models.discovery import (  # noqa: F401  (discovery)
    AssetPresence,
    MacPort,
    Neighbour,
    Sighting,
    SweepRun,
    UnknownDevice,
)
from muniops.inventory.models.district import (  # noqa: F401  (district collectors)
    DeviceLease,
    DistrictApplied,
    DistrictCollector,
)
from muniops.inventory.models.documents import (  # noqa: F401  (signed documents)
    Handover,
    WriteOffBatch,
    WriteOffItem,
)
from muniops.inventory.models.enums import AssetKind, AssetStatus, RepairOutcome, Role
from muniops.inventory.models.events import DeviceEvent  # noqa: F401  (traps, syslog, alerts)
from muniops.inventory.models.licences import (  # noqa: F401  (software licences)
    Licence,
    LicenceAssignment,
    LicenceKey,
)
from muniops.inventory.models.pm import PmRecord, PmTask  # noqa: F401  (preventive maintenance)
from muniops.inventory.models.repairs import RepairTicket
from muniops.inventory.models.snmp import (  # noqa: F401  (SNMP polling)
    SnmpDevice,
    SnmpEvent,
    WirelessLink,
)

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
