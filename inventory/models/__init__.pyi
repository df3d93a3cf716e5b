"""Types of every table of the store: read by mypy, and at run time by lazy_loader to know
which module holds each name (``__init__.py``). A new table module is imported here."""

from .agents import (
    Agent as Agent,
)
from .agents import (
    AgentReport as AgentReport,
)
from .agents import (
    EnrollmentSecret as EnrollmentSecret,
)
from .agents import (
    HostFacts as HostFacts,
)
from .agents import (
    HostSoftware as HostSoftware,
)
from .audit import (
    AuditEntry as AuditEntry,
)
from .auth import (
    ApiToken as ApiToken,
)
from .backups import (
    BackupSample as BackupSample,
)
from .backups import (
    BackupStatus as BackupStatus,
)
from .backups import (
    KpiSample as KpiSample,
)
from .configs import (
    ComplianceResult as ComplianceResult,
)
from .configs import (
    ConfigBackupState as ConfigBackupState,
)
from .configs import (
    ConfigVersion as ConfigVersion,
)
from .configs import (
    DeviceFacts as DeviceFacts,
)
from .configs import (
    Severity as Severity,
)
from .core import (
    Asset as Asset,
)
from .core import (
    AssetMac as AssetMac,
)
from .core import (
    Assignment as Assignment,
)
from .core import (
    Person as Person,
)
from .core import (
    Site as Site,
)
from .discovery import (
    AssetPresence as AssetPresence,
)
from .discovery import (
    MacPort as MacPort,
)
from .discovery import (
    Neighbour as Neighbour,
)
from .discovery import (
    NeighbourProtocol as NeighbourProtocol,
)
from .discovery import (
    SeenBy as SeenBy,
)
from .discovery import (
    Sighting as Sighting,
)
from .discovery import (
    SweepRun as SweepRun,
)
from .discovery import (
    UnknownDevice as UnknownDevice,
)
from .discovery import (
    UnknownState as UnknownState,
)
from .documents import (
    Handover as Handover,
)
from .documents import (
    WriteOffBatch as WriteOffBatch,
)
from .documents import (
    WriteOffItem as WriteOffItem,
)
from .enums import (
    AssetKind as AssetKind,
)
from .enums import (
    AssetStatus as AssetStatus,
)
from .enums import (
    RepairOutcome as RepairOutcome,
)
from .enums import (
    Role as Role,
)
from .events import (
    DeviceEvent as DeviceEvent,
)
from .events import (
    EventSource as EventSource,
)
from .licences import (
    Licence as Licence,
)
from .licences import (
    LicenceAssignment as LicenceAssignment,
)
from .licences import (
    LicenceKey as LicenceKey,
)
from .pm import (
    CheckResult as CheckResult,
)
from .pm import (
    PmRecord as PmRecord,
)
from .pm import (
    PmState as PmState,
)
from .pm import (
    PmTask as PmTask,
)
from .repairs import (
    RepairTicket as RepairTicket,
)
from .snmp import (
    DeviceState as DeviceState,
)
from .snmp import (
    LinkState as LinkState,
)
from .snmp import (
    SnmpDevice as SnmpDevice,
)
from .snmp import (
    SnmpEvent as SnmpEvent,
)
from .snmp import (
    SnmpEventKind as SnmpEventKind,
)
from .snmp import (
    WirelessLink as WirelessLink,
)

def load_all() -> None: ...
