"""Passive discovery's tables, as pure functions from SNMP walk results (numeric OID,
``SnmpValue``) to what discovery keeps: ARP entries, forwarding-table entries, neighbours.

The OIDs are standard MIB columns (IP-MIB, BRIDGE-MIB, Q-BRIDGE-MIB, LLDP-MIB) and Cisco's
CISCO-CDP-MIB; which columns each table needs is data (``TABLES``), read by ``passive.py``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address

from muniops.inventory.discovery import FdbEntry, Link
from muniops.inventory.models.discovery import NeighbourProtocol
from muniops.inventory.schemas import normalize_mac

SnmpValue = int | str | bytes | None
Walk = Sequence[tuple[str, SnmpValue]]

IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IP_NET_TO_MEDIA_PHYS = "1.3.6.1.2.1.4.22.1.2"  # .ifIndex.a.b.c.d = MAC
IP_NET_TO_PHYSICAL_PHYS = "1.3.6.1.2.1.4.35.1.4"  # .ifIndex.type.len.addr = MAC
BASE_PORT_IFINDEX = "1.3.6.1.2.1.17.1.4.1.2"  # dot1dBasePortIfIndex
TP_FDB_PORT = "1.3.6.1.2.1.17.4.3.1.2"  # dot1dTpFdbPort .mac = bridge port
TP_FDB_STATUS = "1.3.6.1.2.1.17.4.3.1.3"
Q_TP_FDB_PORT = "1.3.6.1.2.1.17.7.1.2.2.1.2"  # dot1qTpFdbPort .fdbId.mac = bridge port
Q_TP_FDB_STATUS = "1.3.6.1.2.1.17.7.1.2.2.1.3"
Q_VLAN_FDB_ID = "1.3.6.1.2.1.17.7.1.4.2.1.3"  # dot1qVlanFdbId .timeMark.vlan = fdbId
LLDP_LOC_PORT_ID = "1.0.8802.1.1.2.1.3.7.1.3"
LLDP_LOC_PORT_DESC = "1.0.8802.1.1.2.1.3.7.1.4"
LLDP_REM = "1.0.8802.1.1.2.1.4.1.1"  # .column.timeMark.localPort.index
LLDP_REM_MAN_ADDR_IF_SUBTYPE = "1.0.8802.1.1.2.1.4.2.1.3"  # index ends .type.len.addr
CDP_CACHE = "1.3.6.1.4.1.9.9.23.1.2.1.1"  # .column.ifIndex.deviceIndex

# what to walk for each kind of table a source is asked for
TABLES: dict[str, tuple[str, ...]] = {
    "arp": (IP_NET_TO_PHYSICAL_PHYS, IP_NET_TO_MEDIA_PHYS),
    "fdb": (IF_NAME, BASE_PORT_IFINDEX, TP_FDB_PORT, TP_FDB_STATUS, Q_TP_FDB_PORT,
            Q_TP_FDB_STATUS, Q_VLAN_FDB_ID),
    "neighbours": (IF_NAME, BASE_PORT_IFINDEX, LLDP_LOC_PORT_ID, LLDP_LOC_PORT_DESC, LLDP_REM,
                   LLDP_REM_MAN_ADDR_IF_SUBTYPE, CDP_CACHE),
}

FDB_SELF = 4  # dot1dTpFdbStatus self(4): the switch's own MAC


@dataclass(frozen=True)
class ArpEntry:
    ip: str
    mac: str
    if_index: int


def _suffix(oid: str, prefix: str) -> tuple[int, ...] | None:
    if not oid.startswith(prefix + "."):
        return None
    return tuple(int(p) for p in oid[len(prefix) + 1:].split("."))


def _rows(walk: Walk, prefix: str) -> Iterable[tuple[tuple[int, ...], SnmpValue]]:
    for oid, value in walk:
        index = _suffix(oid, prefix)
        if index is not None:
            yield index, value


def text(value: SnmpValue) -> str:
    """An OctetString as text; bytes that are not printable text as hex."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        try:
            decoded = value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
        return decoded if decoded.isprintable() else value.hex()
    return str(value)


def mac_of(value: SnmpValue) -> str | None:
    """A MAC from 6 raw bytes or from text such as ``B8:69:F4:7F:41:70``; else None."""
    if isinstance(value, bytes) and len(value) == 6:
        return ":".join(f"{b:02x}" for b in value)
    if isinstance(value, bytes | str):
        try:
            return normalize_mac(value.decode("ascii", "replace")
                                 if isinstance(value, bytes) else value)
        except ValueError:
            return None
    return None


def _mac_from_index(parts: Sequence[int]) -> str:
    return ":".join(f"{b:02x}" for b in parts)


def if_names(walk: Walk) -> dict[int, str]:
    """ifIndex → ifName (IF-MIB), for naming ports."""
    return {index[0]: text(v) for index, v in _rows(walk, IF_NAME) if len(index) == 1}


def arp_table(walk: Walk) -> list[ArpEntry]:
    """IPv4 ARP entries from ipNetToPhysicalTable, else the older ipNetToMediaTable."""
    found: dict[str, ArpEntry] = {}
    for index, value in _rows(walk, IP_NET_TO_PHYSICAL_PHYS):
        if len(index) == 7 and index[1] == 1 and index[2] == 4 and (mac := mac_of(value)):
            ip = ".".join(str(b) for b in index[3:])
            found.setdefault(ip, ArpEntry(ip, mac, index[0]))
    for index, value in _rows(walk, IP_NET_TO_MEDIA_PHYS):
        if len(index) == 5 and (mac := mac_of(value)):
            ip = ".".join(str(b) for b in index[1:])
            found.setdefault(ip, ArpEntry(ip, mac, index[0]))
    return sorted(found.values(), key=lambda e: IPv4Address(e.ip))


def _port_names(walk: Walk) -> dict[int, str]:
    """Bridge port number → interface name (via dot1dBasePortIfIndex and ifName)."""
    names = if_names(walk)
    return {index[0]: names.get(int(v), str(v))
            for index, v in _rows(walk, BASE_PORT_IFINDEX) if isinstance(v, int)}


def forwarding_table(walk: Walk) -> list[FdbEntry]:
    """Learnt MACs and their ports from Q-BRIDGE-MIB (with VLANs), else BRIDGE-MIB."""
    ports = _port_names(walk)
    vlan_of_fdb = {int(v): index[-1] for index, v in _rows(walk, Q_VLAN_FDB_ID)
                   if isinstance(v, int)}
    entries: dict[tuple[str, int | None], FdbEntry] = {}
    q_status = {index: v for index, v in _rows(walk, Q_TP_FDB_STATUS)}
    for index, port in _rows(walk, Q_TP_FDB_PORT):
        if len(index) != 7 or not isinstance(port, int) or port == 0:
            continue
        if q_status.get(index) == FDB_SELF:
            continue
        mac, vlan = _mac_from_index(index[1:]), vlan_of_fdb.get(index[0])
        entries[(mac, vlan)] = FdbEntry(mac, ports.get(port, str(port)), vlan)
    if not entries:
        status = {index: v for index, v in _rows(walk, TP_FDB_STATUS)}
        for index, port in _rows(walk, TP_FDB_PORT):
            if len(index) != 6 or not isinstance(port, int) or port == 0:
                continue
            if status.get(index) == FDB_SELF:
                continue
            mac = _mac_from_index(index)
            entries[(mac, None)] = FdbEntry(mac, ports.get(port, str(port)))
    return sorted(entries.values(), key=lambda e: (e.mac, e.vlan or 0))


def _lldp_local_ports(walk: Walk) -> dict[int, str]:
    names = {index[0]: text(v) for index, v in _rows(walk, LLDP_LOC_PORT_DESC)
             if len(index) == 1 and text(v)}
    for index, v in _rows(walk, LLDP_LOC_PORT_ID):
        if len(index) == 1 and text(v):
            names.setdefault(index[0], text(v))
    return names


def lldp_neighbours(walk: Walk) -> list[Link]:
    """LLDP-MIB remote systems: one link per (local port, remote index)."""
    rows: dict[tuple[int, int], dict[int, SnmpValue]] = {}
    for index, value in _rows(walk, LLDP_REM):
        if len(index) == 4:
            column, _time_mark, local, rem = index
            rows.setdefault((local, rem), {})[column] = value
    addresses: dict[tuple[int, int], str] = {}
    for index, _v in _rows(walk, LLDP_REM_MAN_ADDR_IF_SUBTYPE):
        # timeMark.localPort.remIndex.addrSubtype.len.addr...
        if len(index) == 9 and index[3] == 1 and index[4] == 4:
            addresses.setdefault((index[1], index[2]), ".".join(str(b) for b in index[5:]))
    local_names = _lldp_local_ports(walk)
    bridge_ports = _port_names(walk)
    links = []
    for (local, rem), cols in sorted(rows.items()):
        chassis = mac_of(cols.get(5)) if cols.get(4) == 4 else None
        port_id = mac_of(cols.get(7)) if cols.get(6) == 3 else None
        links.append(Link(
            # lldpLocPortNum is the dot1dBasePort on most devices; 0 names no port
            local_port=local_names.get(local) or (bridge_ports.get(local, str(local))
                                                  if local else ""),
            protocol=NeighbourProtocol.LLDP,
            remote_name=text(cols.get(9)) or chassis or text(cols.get(5)),
            remote_port=port_id or text(cols.get(7)) or text(cols.get(8)),
            remote_address=addresses.get((local, rem), ""),
            remote_platform=text(cols.get(10)).splitlines()[0] if text(cols.get(10)) else "",
        ))
    return links


def _cdp_address(value: SnmpValue) -> str:
    if isinstance(value, bytes) and len(value) == 4:
        return str(IPv4Address(value))
    return text(value) if isinstance(value, str) else ""


def cdp_neighbours(walk: Walk) -> list[Link]:
    """CISCO-CDP-MIB cdpCacheTable: the local port is the row's ifIndex."""
    names = if_names(walk)
    rows: dict[tuple[int, int], dict[int, SnmpValue]] = {}
    for index, value in _rows(walk, CDP_CACHE):
        if len(index) == 3:
            column, if_index, device = index
            rows.setdefault((if_index, device), {})[column] = value
    return [
        Link(local_port=names.get(if_index, str(if_index)), protocol=NeighbourProtocol.CDP,
             remote_name=text(cols.get(6)), remote_port=text(cols.get(7)),
             remote_address=_cdp_address(cols.get(4)), remote_platform=text(cols.get(8)))
        for (if_index, _device), cols in sorted(rows.items())
    ]


def neighbours(walk: Walk) -> list[Link]:
    """LLDP then CDP links; a link some agents list twice (several remote indexes) once."""
    return list(dict.fromkeys([*lldp_neighbours(walk), *cdp_neighbours(walk)]))
