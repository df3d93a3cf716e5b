"""Choices stored as lowercase slugs (NetBox style): what the CLI, API and CSV accept."""

from enum import StrEnum


class AssetKind(StrEnum):
    PC = "pc"
    LAPTOP = "laptop"
    SERVER = "server"
    SWITCH = "switch"
    ROUTER = "router"
    ACCESS_POINT = "access_point"
    WIRELESS_BRIDGE = "wireless_bridge"
    PRINTER = "printer"
    CAMERA = "camera"
    UPS = "ups"
    FIREWALL = "firewall"
    WIRELESS_CONTROLLER = "wireless_controller"
    NAS = "nas"
    PDU = "pdu"
    NVR = "nvr"
    OTHER = "other"


class AssetStatus(StrEnum):
    """Lifecycle state. ``discovered`` is an asset seen on the network or by an agent that
    no technician has confirmed yet."""

    DISCOVERED = "discovered"
    IN_STOCK = "in_stock"
    DEPLOYED = "deployed"
    IN_REPAIR = "in_repair"
    RETIRED = "retired"


class RepairOutcome(StrEnum):
    REPAIRED = "repaired"
    REPLACED = "replaced"
    REFUSED = "refused"
    NOT_REPAIRABLE = "not_repairable"
    LOST = "lost"


class Role(StrEnum):
    """API roles, from least to most power. A liaison is a technician limited to a district."""

    VIEWER = "viewer"
    LIAISON = "liaison"
    TECHNICIAN = "technician"
    ADMIN = "admin"
