"""Types of every table of the store: read by mypy, and at run time by lazy_loader to know
which module holds each name (``__init__.py``). A new table module is imported here."""

from .agent_claims import (
    AgentClaim as AgentClaim,
)
from .agents import (
    Agent as Agent,
    AgentReport as AgentReport,
    EnrollmentSecret as EnrollmentSecret,
    HostFacts as HostFacts,
    SoftwareSet as SoftwareSet,
    SoftwareSetItem as SoftwareSetItem,
)
from .audit import (
    AuditEntry as AuditEntry,
)
from .auth import (
    ApiToken as ApiToken,
)
from .backups import (
    BackupSample as BackupSample,
    BackupStatus as BackupStatus,
    KpiSample as KpiSample,
)
from .configs import (
    ComplianceResult as ComplianceResult,
    ConfigBackupState as ConfigBackupState,
    ConfigVersion as ConfigVersion,
    DeviceFacts as DeviceFacts,
    Severity as Severity,
)
from .core import (
    Asset as Asset,
    AssetMac as AssetMac,
    Assignment as Assignment,
    Person as Person,
    Site as Site,
)
from .devices import (
    Device as Device,
    DeviceState as DeviceState,
)
from .discovery import (
    AssetPresence as AssetPresence,
    MacPort as MacPort,
    Neighbour as Neighbour,
    NeighbourProtocol as NeighbourProtocol,
    SeenBy as SeenBy,
    Sighting as Sighting,
    SweepRun as SweepRun,
    UnknownDevice as UnknownDevice,
    UnknownState as UnknownState,
)
from .district import (
    DeviceLease as DeviceLease,
    DistrictApplied as DistrictApplied,
    DistrictCollector as DistrictCollector,
)
from .documents import (
    Handover as Handover,
    WriteOffBatch as WriteOffBatch,
    WriteOffItem as WriteOffItem,
)
from .enums import (
    AssetKind as AssetKind,
    AssetStatus as AssetStatus,
    RepairOutcome as RepairOutcome,
    Role as Role,
)
from .events import (
    DeviceEvent as DeviceEvent,
    EventSource as EventSource,
)
from .licences import (
    Licence as Licence,
    LicenceAssignment as LicenceAssignment,
    LicenceKey as LicenceKey,
)
from .pm import (
    CheckResult as CheckResult,
    PmRecord as PmRecord,
    PmState as PmState,
    PmTask as PmTask,
)
from .repairs import (
    RepairTicket as RepairTicket,
)
from .snmp import (
    LinkState as LinkState,
    SnmpEvent as SnmpEvent,
    SnmpEventKind as SnmpEventKind,
    WirelessLink as WirelessLink,
)
from .web import (
    PmPhoto as PmPhoto,
    SignInFailure as SignInFailure,
    WebAccount as WebAccount,
    WebSession as WebSession,
)

def load_all() -> None: ...
