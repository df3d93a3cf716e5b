"""The SNMP client: GET and GETBULK walks of one device, v1, v2c and v3.

The only module that speaks SNMP on the wire. SNMPv3 (USM authentication and privacy)
goes through pysnmp's asyncio API. v1/v2c go through ``ber.py``, a small codec over an
asyncio UDP socket, because pysnmp decodes about 5,000 varbinds a second per core and a
poll cycle needs far more (measured: see ``bench/snmp.py``). Both paths answer the same
way: numeric OIDs as dotted strings, values as ``SnmpValue``, errors from ``errors.py``
that never contain a secret."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from muniops.collector.core.credentials import SnmpCommunity, SnmpV3
from muniops.collector.snmp import ber
from muniops.collector.snmp.config import MAX_BYTES, MAX_ROWS, MAX_VALUES
from muniops.collector.snmp.errors import (
    SnmpAuthError,
    SnmpError,
    SnmpProtocolError,
    SnmpTimeout,
    SnmpTooBig,
)

log = logging.getLogger(__name__)

SnmpValue = int | str | bytes | None

# SNMP error-status names (RFC 3416), for messages
_ERROR_STATUS = ["noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr",
                 "noAccess", "wrongType", "wrongLength", "wrongEncoding", "wrongValue",
                 "noCreation", "inconsistentValue", "resourceUnavailable", "commitFailed",
                 "undoFailed", "authorizationError", "notWritable", "inconsistentName"]


@dataclass(frozen=True)
class SnmpTarget:
    host: str
    port: int
    credential: SnmpCommunity | SnmpV3 = field(repr=False)
    timeout: float = 2.0
    retries: int = 1
    max_repetitions: int = 25
    # a walk stops (partial, naming the cap) past these: values, rows of one column and
    # response bytes read by one session; a hostile device cannot take the memory
    max_values: int = MAX_VALUES
    max_rows: int = MAX_ROWS
    max_bytes: int = MAX_BYTES

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class SessionStats:
    """What one session cost: the poller reports these per device."""

    pdus: int = 0
    retries: int = 0
    timeouts: int = 0
    errors: int = 0
    varbinds: int = 0
    bytes: int = 0  # of the responses read


@dataclass
class WalkResult:
    """Rows of each walked column, and why the walk stopped early if it did."""

    rows: dict[str, list[tuple[str, SnmpValue]]]
    partial: str | None = None


class _Backend(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def request(self, pdu: int, oids: Sequence[tuple[int, ...]], non_repeaters: int = 0,
                      max_repetitions: int = 0) -> list[ber.VarBind]: ...


class SnmpSession:
    """``async with SnmpSession(target) as s: await s.get([...]); await s.walk(oid)``.

    ``max_repetitions`` starts at the target's and is lowered on tooBig or on a walk that
    times out; the poller reads it back and remembers it for the device."""

    def __init__(self, target: SnmpTarget, *, backend: str = "auto") -> None:
        if target.credential is None:
            raise SnmpAuthError(f"{target.address}: no credential")
        self.target = target
        self.stats = SessionStats()
        self.max_repetitions = max(1, target.max_repetitions)
        cred = target.credential
        self.version = 3 if isinstance(cred, SnmpV3) else (0 if cred.type == "snmp_v1" else 1)
        if self.version == 3 or backend == "pysnmp":
            self._backend: _Backend = _PysnmpBackend(target, self.stats)
        else:
            self._backend = _UdpBackend(target, self.stats, self.version)

    async def __aenter__(self) -> SnmpSession:
        await self._backend.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._backend.close()

    async def get(self, oids: Sequence[str]) -> dict[str, SnmpValue]:
        """Values of the given OIDs; one that does not exist reads as None."""
        parsed = [_parse(o) for o in oids]
        out: dict[str, SnmpValue] = {}
        for start in range(0, len(parsed), 20):  # agents cap varbinds per PDU
            chunk = parsed[start:start + 20]
            for key, value in zip(oids[start:start + 20], await self._get(chunk), strict=True):
                out[key] = value
        return out

    async def _get(self, oids: list[tuple[int, ...]]) -> list[SnmpValue]:
        if self.version != 0:
            vbs = await self._backend.request(ber.GET, oids)
            if len(vbs) != len(oids):
                raise SnmpProtocolError(f"{self.target.address}: GET answered "
                                        f"{len(vbs)} values for {len(oids)} OIDs")
            return [v for _, _, v in vbs]
        # v1 answers a missing OID with noSuchName for the whole PDU: ask one at a time
        values: list[SnmpValue] = []
        for oid in oids:
            try:
                values.append((await self._backend.request(ber.GET, [oid]))[0][2])
            except _NoSuchName:
                values.append(None)
        return values

    async def get_next(self, oids: Sequence[str]) -> list[tuple[str, SnmpValue]]:
        """The next (OID, value) after each OID; ("", None) past the end of the MIB."""
        parsed = [_parse(o) for o in oids]
        out: list[tuple[str, SnmpValue]] = []
        for start in range(0, len(parsed), 20):
            chunk = parsed[start:start + 20]
            try:
                vbs = await self._backend.request(ber.GETNEXT, chunk)
            except _NoSuchName:  # v1: one of them is past the end; ask one by one
                vbs = []
                for oid in chunk:
                    try:
                        vbs += await self._backend.request(ber.GETNEXT, [oid])
                    except _NoSuchName:
                        vbs.append(((), ber.END_OF_MIB_VIEW, None))
            out += [("", None) if tag == ber.END_OF_MIB_VIEW else (ber.oid_str(o), v)
                    for o, tag, v in vbs]
        return out

    async def walk(self, oid: str) -> list[tuple[str, SnmpValue]]:
        """Every (OID, value) under ``oid``, in order (GETBULK; GETNEXT for v1)."""
        result = await self.walk_columns([oid])
        if result.partial:
            raise SnmpProtocolError(f"{self.target.address}: walk of {oid} stopped: "
                                    f"{result.partial}")
        return result.rows[oid]

    async def walk_columns(self, oids: Sequence[str], *, deadline: float | None = None,
                           max_rows: int | None = None) -> WalkResult:
        """Walk several subtrees side by side, one GETBULK for all of them per round trip
        (the columns of a table advance together). Stops a column at the end of its
        subtree, at a non-increasing OID (a broken agent) or at ``max_rows`` (the
        target's by default: a table that never ends); stops everything past ``deadline``
        (time.monotonic), past the target's caps on values and bytes, or on an error after
        some rows were read, keeping the rows and naming the reason."""
        max_rows = self.target.max_rows if max_rows is None else max_rows
        prefixes = {o: _parse(o) for o in oids}
        names = {o: ber.oid_str(p) for o, p in prefixes.items()}  # normalised: no leading dot
        rows: dict[str, list[tuple[str, SnmpValue]]] = {o: [] for o in oids}
        cursor = dict(prefixes)
        active = list(dict.fromkeys(oids))
        partial: str | None = None
        timeouts = 0
        while active:
            if deadline is not None and time.monotonic() > deadline:
                partial = "time budget exceeded"
                break
            if (cap := self._cap_reached()) is not None:
                partial = cap
                break
            # at most COLUMNS_PER_REQUEST side by side: a request naming every column of
            # a dozen profiles asks for an answer larger than agents send (snmpsim and
            # some switches drop it instead of answering tooBig)
            batch = active[:COLUMNS_PER_REQUEST]
            try:
                vbs = await self._next_round([cursor[o] for o in batch])
            except SnmpTooBig:
                if self.max_repetitions == 1:
                    raise
                self.max_repetitions = max(1, self.max_repetitions // 2)
                continue
            except SnmpTimeout:
                # a large bulk answer may be what the device cannot produce in time
                timeouts += 1
                if timeouts < 2 and self.max_repetitions > 5 and self.version != 0:
                    self.max_repetitions = max(5, self.max_repetitions // 2)
                    continue
                if any(rows.values()):
                    partial = "timeout"
                    break
                raise
            except _NoSuchName:  # v1: the end of the MIB
                break
            except SnmpError as exc:
                if any(rows.values()):
                    partial = str(exc)
                    break
                raise
            if not vbs:
                break
            n = len(batch)
            done: set[str] = set()
            for i, (oid, tag, value) in enumerate(vbs):
                col = batch[i % n]
                if col in done:
                    continue
                prefix = prefixes[col]
                if tag == ber.END_OF_MIB_VIEW or oid[:len(prefix)] != prefix:
                    done.add(col)
                    continue
                if oid <= cursor[col]:
                    done.add(col)
                    partial = f"agent returned a non-increasing OID under {col}"
                    continue
                col_rows = rows[col]
                col_rows.append((f"{names[col]}.{ber.oid_str(oid[len(prefix):])}", value))
                cursor[col] = oid
                if len(col_rows) >= max_rows:
                    done.add(col)
                    partial = f"more than {max_rows} rows under {col}"
            if len(vbs) < n:  # a truncated bulk answer: advance what came back
                pass
            active = [c for c in active if c not in done]
        return WalkResult(rows, partial)

    def _cap_reached(self) -> str | None:
        """Why this session must read no more, if it must."""
        if self.stats.varbinds >= self.target.max_values:
            return f"value cap reached ({self.target.max_values} values)"
        if self.stats.bytes >= self.target.max_bytes:
            return f"byte cap reached ({self.target.max_bytes} bytes)"
        return None

    async def _next_round(self, cursors: list[tuple[int, ...]]) -> list[ber.VarBind]:
        if self.version == 0:
            return await self._backend.request(ber.GETNEXT, cursors)
        # keep one answer under ~ the varbinds an agent will pack into one datagram
        reps = max(1, min(self.max_repetitions, 600 // len(cursors)))
        return await self._backend.request(ber.GETBULK, cursors, 0, reps)


COLUMNS_PER_REQUEST = 24


class _NoSuchName(SnmpProtocolError):
    """v1's way of saying "no such OID" / "end of MIB"."""


def _parse(oid: str) -> tuple[int, ...]:
    try:
        return ber.parse_oid(oid)
    except ber.BerError as exc:
        raise SnmpProtocolError(str(exc)) from None


def _status_error(address: str, status: int, index: int, oids: Sequence[tuple[int, ...]]
                  ) -> SnmpError:
    name = _ERROR_STATUS[status] if 0 <= status < len(_ERROR_STATUS) else f"status {status}"
    where = f" at {ber.oid_str(oids[index - 1])}" if 0 < index <= len(oids) else ""
    if status == 1:
        return SnmpTooBig(f"{address}: tooBig")
    if status == 2:
        return _NoSuchName(f"{address}: noSuchName{where}")
    if status in (6, 16):
        return SnmpAuthError(f"{address}: {name}{where}")
    return SnmpProtocolError(f"{address}: {name}{where}")


_VERSIONS = {0: "v1", 1: "v2c", 3: "v3"}


class _Datagrams(asyncio.DatagramProtocol):
    """Matches responses to outstanding requests by request-id."""

    def __init__(self, address: str, community: bytes, version: int, stats: SessionStats
                 ) -> None:
        self.address = address
        self.community = community
        self.version = version
        self.stats = stats
        self.pending: dict[int, asyncio.Future[tuple[int, int, list[ber.VarBind]]]] = {}

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            msg = ber.decode_response(data)
        except ber.BerError as exc:
            # one request at a time per device: the garbage answers that one
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(SnmpProtocolError(f"{self.address}: {exc}"))
            return
        waiting = self.pending.get(msg.request_id)
        if waiting is None or waiting.done() or msg.community != self.community:
            return
        self.stats.bytes += len(data)
        if msg.version != self.version:  # never an answer to what we asked
            waiting.set_exception(SnmpProtocolError(
                f"{self.address}: answered in SNMP version {_VERSIONS.get(msg.version, '?')} "
                f"to a {_VERSIONS[self.version]} request"))
        elif msg.pdu == ber.REPORT:  # v1/v2c have no Report: an error, never "up"
            waiting.set_exception(SnmpProtocolError(f"{self.address}: answered with a "
                                                    "Report PDU"))
        else:
            waiting.set_result((msg.error_status, msg.error_index, msg.varbinds))

    def error_received(self, exc: Exception) -> None:
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(SnmpTimeout(
                    f"{self.address}: no SNMP agent ({type(exc).__name__})"))


class _UdpBackend:
    """v1/v2c over one connected UDP socket, decoded by ``ber``."""

    def __init__(self, target: SnmpTarget, stats: SessionStats, version: int) -> None:
        assert isinstance(target.credential, SnmpCommunity)
        self.target = target
        self.stats = stats
        self.version = version
        self._community = target.credential.community.get_secret_value().encode()
        self._ids = itertools.count(random.randrange(1, 1 << 30))
        self._transport: asyncio.DatagramTransport | None = None
        self._proto: _Datagrams | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(self.target.host, self.target.port,
                                           type=socket.SOCK_DGRAM)
            self._transport, self._proto = await loop.create_datagram_endpoint(
                lambda: _Datagrams(self.target.address, self._community, self.version,
                                   self.stats),
                remote_addr=(str(infos[0][4][0]), int(infos[0][4][1])))
        except OSError as exc:
            raise SnmpTimeout(f"{self.target.address}: cannot reach ({exc.strerror or exc})"
                              ) from None

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def request(self, pdu: int, oids: Sequence[tuple[int, ...]], non_repeaters: int = 0,
                      max_repetitions: int = 0) -> list[ber.VarBind]:
        assert self._transport is not None and self._proto is not None
        rid = next(self._ids) & 0x7FFFFFFF
        msg = ber.encode_request(self.version, self._community, pdu, rid, oids,
                                 non_repeaters, max_repetitions)
        loop = asyncio.get_running_loop()
        try:
            for attempt in range(self.target.retries + 1):
                fut = loop.create_future()
                self._proto.pending[rid] = fut
                self.stats.pdus += 1
                if attempt:
                    self.stats.retries += 1
                self._transport.sendto(msg)
                try:
                    status, index, vbs = await asyncio.wait_for(fut, self.target.timeout)
                except TimeoutError:
                    continue
                except SnmpError:
                    self.stats.errors += 1
                    raise
                if status:
                    self.stats.errors += 1
                    raise _status_error(self.target.address, status, index, oids)
                self.stats.varbinds += len(vbs)
                return vbs
        finally:
            self._proto.pending.pop(rid, None)
        self.stats.timeouts += 1
        raise SnmpTimeout(f"{self.target.address}: no answer within "
                          f"{self.target.timeout:g}s × {self.target.retries + 1}")


_AUTH = {"md5": "USM_AUTH_HMAC96_MD5", "sha": "USM_AUTH_HMAC96_SHA",
         "sha224": "USM_AUTH_HMAC128_SHA224", "sha256": "USM_AUTH_HMAC192_SHA256",
         "sha384": "USM_AUTH_HMAC256_SHA384", "sha512": "USM_AUTH_HMAC384_SHA512"}
_PRIV = {"des": "USM_PRIV_CBC56_DES", "aes128": "USM_PRIV_CFB128_AES",
         "aes192": "USM_PRIV_CFB192_AES", "aes256": "USM_PRIV_CFB256_AES"}
# errorIndication names that mean "your credentials are wrong"
_AUTH_INDICATIONS = ("WrongDigest", "UnknownUserName", "UnsupportedSecurityLevel",
                     "DecryptionError", "AuthenticationFailure", "NotInTimeWindow")


class _PysnmpBackend:
    """SNMPv3 (and v1/v2c on request) through pysnmp's asyncio API."""

    def __init__(self, target: SnmpTarget, stats: SessionStats) -> None:
        self.target = target
        self.stats = stats
        self._engine: Any = None
        self._auth: Any = None
        self._transport: Any = None
        self._context: Any = None

    async def open(self) -> None:
        from pysnmp.hlapi.v3arch import asyncio as hl

        cred = self.target.credential
        if isinstance(cred, SnmpV3):
            self._auth = _usm_user(hl, cred, self.target.address)
            self._context = hl.ContextData(contextName=cred.context)
        else:
            self._auth = hl.CommunityData(cred.community.get_secret_value(),
                                          mpModel=0 if cred.type == "snmp_v1" else 1)
            self._context = hl.ContextData()
        self._engine = hl.SnmpEngine()
        try:
            self._transport = await hl.UdpTransportTarget.create(
                (self.target.host, self.target.port), timeout=self.target.timeout,
                retries=self.target.retries)
        except Exception as exc:  # pysnmp wraps resolver errors in its own type
            raise SnmpTimeout(f"{self.target.address}: cannot reach "
                              f"({type(exc).__name__})") from None

    async def close(self) -> None:
        if self._engine is not None:
            self._engine.close_dispatcher()

    async def request(self, pdu: int, oids: Sequence[tuple[int, ...]], non_repeaters: int = 0,
                      max_repetitions: int = 0) -> list[ber.VarBind]:
        from pysnmp.hlapi.v3arch import asyncio as hl

        objs = [hl.ObjectType(hl.ObjectIdentity(ber.oid_str(o))) for o in oids]
        args = (self._engine, self._auth, self._transport, self._context)
        self.stats.pdus += 1
        try:
            if pdu == ber.GET:
                ind, status, index, vbs = await hl.get_cmd(*args, *objs, lookupMib=False)
            elif pdu == ber.GETNEXT:
                ind, status, index, vbs = await hl.next_cmd(*args, *objs, lookupMib=False)
            else:
                ind, status, index, vbs = await hl.bulk_cmd(
                    *args, non_repeaters, max_repetitions, *objs, lookupMib=False)
        except SnmpError:
            raise
        except Exception as exc:  # pysnmp raises its own errors for malformed input
            self.stats.errors += 1
            raise SnmpProtocolError(f"{self.target.address}: {type(exc).__name__}") from None
        if ind:
            name = type(ind).__name__
            text = str(ind)
            if "timeout" in text.lower() or name == "RequestTimedOut":
                self.stats.timeouts += 1
                raise SnmpTimeout(f"{self.target.address}: no answer within "
                                  f"{self.target.timeout:g}s × {self.target.retries + 1}")
            self.stats.errors += 1
            if any(a in name or a.lower() in text.lower().replace(" ", "")
                   for a in _AUTH_INDICATIONS):
                raise SnmpAuthError(f"{self.target.address}: refused our credentials "
                                    f"({name})")
            raise SnmpProtocolError(f"{self.target.address}: {name}")
        if int(status):
            self.stats.errors += 1
            raise _status_error(self.target.address, int(status), int(index), oids)
        out = [_from_pysnmp(vb[0], vb[1]) for vb in vbs]
        self.stats.varbinds += len(out)
        # pysnmp does not say what it read: an estimate, for the byte cap
        self.stats.bytes += sum(len(o) * 2 + 8 + (len(v) if isinstance(v, bytes) else 8)
                                for o, _, v in out)
        return out


def _usm_user(hl: Any, cred: SnmpV3, address: str) -> Any:
    """The pysnmp user, protocols always explicit: pysnmp would default to MD5/DES."""
    auth_proto = priv_proto = None
    auth_key = priv_key = None
    if cred.security_level in ("authPriv", "authNoPriv"):
        if cred.auth_protocol is None or cred.auth_key is None:
            raise SnmpAuthError(f"{address}: credential {cred.username!r} needs auth_protocol "
                                "and auth_key for " + cred.security_level)
        auth_proto = getattr(hl, _AUTH[cred.auth_protocol])
        auth_key = cred.auth_key.get_secret_value()
    else:
        auth_proto = hl.USM_AUTH_NONE
    if cred.security_level == "authPriv":
        if cred.priv_protocol is None or cred.priv_key is None:
            raise SnmpAuthError(f"{address}: credential {cred.username!r} needs priv_protocol "
                                "and priv_key for authPriv")
        priv_proto = getattr(hl, _PRIV[cred.priv_protocol])
        priv_key = cred.priv_key.get_secret_value()
    else:
        priv_proto = hl.USM_PRIV_NONE
    return hl.UsmUserData(cred.username, authKey=auth_key, privKey=priv_key,
                          authProtocol=auth_proto, privProtocol=priv_proto)


def _from_pysnmp(name: Any, value: Any) -> ber.VarBind:
    from pyasn1.type import univ
    from pysnmp.proto import rfc1902, rfc1905

    oid = tuple(int(a) for a in name.asTuple()) if hasattr(name, "asTuple") else \
        tuple(int(a) for a in rfc1902.ObjectName(str(name)).asTuple())
    if isinstance(value, rfc1905.EndOfMibView):
        return oid, ber.END_OF_MIB_VIEW, None
    if isinstance(value, rfc1905.NoSuchObject):
        return oid, ber.NO_SUCH_OBJECT, None
    if isinstance(value, rfc1905.NoSuchInstance):
        return oid, ber.NO_SUCH_INSTANCE, None
    if isinstance(value, rfc1902.IpAddress):
        return oid, ber.IPADDRESS, socket.inet_ntoa(value.asOctets())
    if isinstance(value, univ.ObjectIdentifier):
        return oid, ber.OID, ".".join(str(a) for a in value.asTuple())
    if isinstance(value, univ.OctetString):
        return oid, ber.OCTET_STRING, value.asOctets()
    if isinstance(value, univ.Null):
        return oid, ber.NULL, None
    return oid, ber.INTEGER, int(value)
