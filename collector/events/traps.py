"""The SNMP trap and inform receiver: pysnmp's notification receiver on an asyncio UDP
socket, v1/v2c communities and v3 USM users (protocols always explicit) from the
credentials file. The only module here that speaks SNMP.

SNMPv2c traps, the bulk of any burst, take the fast path the poller takes for v1/v2c
(``collector/snmp/ber.py``, about ten times pysnmp's decoding speed): decoded and their
community checked before pysnmp sees them. Everything else (v1 traps, informs, which
need an answer, SNMPv3) goes through pysnmp.

Each notification is handed on as a ``Trap`` (sender address, snmpTrapOID, varbinds as
text) without touching the store: the receiving loop must keep up with a burst."""

from __future__ import annotations

import hmac
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from muniops.collector.core.credentials import SnmpCommunity, SnmpV3
from muniops.collector.snmp import ber
from muniops.collector.snmp.session import _AUTH, _PRIV

log = logging.getLogger(__name__)

SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"
# RFC 3584 adds the v1 community as a varbind when it translates a v1 trap: a secret
SNMP_TRAP_COMMUNITY = "1.3.6.1.6.3.18.1.4.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
# pysnmp's counters of refused messages, by our reason slug
REFUSALS = {
    "bad_community": ("__SNMPv2-MIB", "snmpInBadCommunityNames"),
    "wrong_digest": ("__SNMP-USER-BASED-SM-MIB", "usmStatsWrongDigests"),
    "unknown_user": ("__SNMP-USER-BASED-SM-MIB", "usmStatsUnknownUserNames"),
    "unknown_engine": ("__SNMP-USER-BASED-SM-MIB", "usmStatsUnknownEngineIDs"),
    "decryption_error": ("__SNMP-USER-BASED-SM-MIB", "usmStatsDecryptionErrors"),
    "not_in_time_window": ("__SNMP-USER-BASED-SM-MIB", "usmStatsNotInTimeWindows"),
    "unsupported_security_level": ("__SNMP-USER-BASED-SM-MIB",
                                   "usmStatsUnsupportedSecLevels"),
    "parse_error": ("__SNMPv2-MIB", "snmpInASNParseErrs"),
}


@dataclass(frozen=True)
class Trap:
    sender: str
    trap_oid: str
    varbinds: tuple[tuple[str, str], ...]
    security: str  # the credential's name it came with
    version: str  # v1, v2c or v3


class TrapReceiver:
    """Runs inside an asyncio loop (``start`` is called from within it)."""

    def __init__(self, sock: socket.socket,
                 credentials: Sequence[tuple[str, SnmpCommunity | SnmpV3]],
                 handle: Callable[[Trap], None]) -> None:
        self.sock = sock
        self.credentials = list(credentials)
        # v3 messages carry the user name: say which credential it was
        self.names = {c.username: n for n, c in self.credentials if isinstance(c, SnmpV3)}
        self.communities = {c.community.get_secret_value().encode(): n
                            for n, c in self.credentials if isinstance(c, SnmpCommunity)}
        self.fast_refused = 0  # v2c traps with a community no credential has
        self.handle = handle
        self.engine: Any = None

    def start(self) -> None:
        from pysnmp.carrier.asyncio.dgram import udp
        from pysnmp.entity import config, engine
        from pysnmp.entity.rfc3413 import ntfrcv

        fast = self._fast_path

        class Transport(udp.UdpTransport):
            def datagram_received(self, datagram: bytes, address: Any) -> None:
                if not fast(datagram, address):
                    super().datagram_received(datagram, address)

        self.engine = engine.SnmpEngine()
        transport = Transport().open_server_mode(sock=self.sock)
        config.add_transport(self.engine, udp.DOMAIN_NAME, transport)
        for name, cred in self.credentials:
            if isinstance(cred, SnmpV3):
                config.add_v3_user(self.engine, cred.username, *_usm(config, cred))
            else:
                config.add_v1_system(self.engine, name, cred.community.get_secret_value())
        ntfrcv.NotificationReceiver(self.engine, self._received)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close_dispatcher()
            self.engine = None

    def refused(self) -> dict[str, int]:
        """Messages refused so far, by reason (bad community, wrong v3 key...)."""
        if self.engine is None:
            return {}
        builder = self.engine.get_mib_builder()
        out = {}
        for reason, (mib, name) in REFUSALS.items():
            (counter,) = builder.import_symbols(mib, name)
            out[reason] = int(counter.syntax)
        out["bad_community"] += self.fast_refused
        return out

    def _fast_path(self, datagram: bytes, address: Any) -> bool:
        """Handle an SNMPv2c trap here; False for anything pysnmp should see."""
        if len(datagram) < 8 or datagram[0] != 0x30:
            return False
        try:
            trap = ber.decode_response(datagram, (ber.TRAP_V2,))
            version, community, binds = trap.version, trap.community, trap.varbinds
        except ber.BerError:
            return False  # v1, an inform, v3 or malformed: pysnmp's to judge and count
        if version != 1:
            return False
        name = next((n for c, n in self.communities.items()
                     if hmac.compare_digest(c, community)), None)
        if name is None:
            self.fast_refused += 1
            return True
        text = tuple((ber.oid_str(oid), _ber_text(tag, value)) for oid, tag, value in binds)
        trap_oid = next((v for o, v in text if o == SNMP_TRAP_OID), "")
        self.handle(Trap(str(address[0]), trap_oid, text, name, "v2c"))
        return True

    def _received(self, engine: Any, state: Any, _ctx_engine: Any, _ctx_name: Any,
                  varbinds: Any, _cb: Any) -> None:
        ctx = engine.observer.get_execution_context("rfc3412.receiveMessage:request")
        sender = str(ctx["transportAddress"][0])
        model = int(ctx["securityModel"])
        binds = tuple((str(oid), _text(value)) for oid, value in varbinds
                      if str(oid) != SNMP_TRAP_COMMUNITY)
        trap_oid = next((v for o, v in binds if o == SNMP_TRAP_OID), "")
        security = str(ctx["securityName"])
        self.handle(Trap(sender, trap_oid, binds, self.names.get(security, security),
                         {1: "v1", 2: "v2c"}.get(model, "v3")))


def _usm(config: Any, cred: SnmpV3) -> tuple[Any, Any, Any, Any]:
    """Protocols and keys of a v3 user, always named: pysnmp would assume MD5/DES."""
    auth = priv = config.USM_AUTH_NONE
    auth_key = priv_key = None
    if cred.security_level != "noAuthNoPriv" and cred.auth_protocol and cred.auth_key:
        auth, auth_key = getattr(config, _AUTH[cred.auth_protocol]), \
            cred.auth_key.get_secret_value()
    priv = config.USM_PRIV_NONE
    if cred.security_level == "authPriv" and cred.priv_protocol and cred.priv_key:
        priv, priv_key = getattr(config, _PRIV[cred.priv_protocol]), \
            cred.priv_key.get_secret_value()
    return auth, auth_key, priv, priv_key


def _ber_text(tag: int, value: ber.Value) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex(":")
    return "" if value is None else str(value)


def _text(value: Any) -> str:
    """A varbind's value as people read it: OIDs dotted, strings decoded, numbers."""
    from pyasn1.type import univ
    from pysnmp.proto import rfc1902

    if getattr(value, "tagSet", None) == rfc1902.IpAddress.tagSet:  # v1's and v2's types
        return socket.inet_ntoa(value.asOctets())
    if isinstance(value, univ.ObjectIdentifier):
        return ".".join(str(a) for a in value.asTuple())
    if isinstance(value, univ.OctetString):
        raw = value.asOctets()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.hex(":")
    return value.prettyPrint() if hasattr(value, "prettyPrint") else str(value)
