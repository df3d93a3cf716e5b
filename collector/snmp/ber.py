"""A small BER codec for SNMPv1/v2c messages: the fast path of the session.

Measured here, pysnmp's pyasn1 decoding reads about 5,000 varbinds a second per core; a
cycle of 500 devices with 48 interfaces each needs several hundred thousand. v1/v2c
messages are a handful of fixed shapes (RFC 3416), so this module encodes the three
requests we send and decodes the one response we read, straight from bytes. SNMPv3 (USM
auth and privacy) stays with pysnmp in ``session.py``."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import NamedTuple

GET, GETNEXT, RESPONSE, GETBULK, REPORT = 0xA0, 0xA1, 0xA2, 0xA5, 0xA8
INFORM, TRAP_V2 = 0xA6, 0xA7  # same shape as a Response (RFC 3416): the trap receiver's
INTEGER, OCTET_STRING, NULL, OID = 0x02, 0x04, 0x05, 0x06
IPADDRESS, COUNTER32, GAUGE32, TIMETICKS, OPAQUE, COUNTER64 = 0x40, 0x41, 0x42, 0x43, 0x44, 0x46
NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW = 0x80, 0x81, 0x82
_UNSIGNED = frozenset({COUNTER32, GAUGE32, TIMETICKS, COUNTER64, 0x47})

Value = int | str | bytes | None
VarBind = tuple[tuple[int, ...], int, Value]  # (oid, BER tag, value)


class BerError(ValueError):
    """The bytes are not a well-formed SNMP message."""


class Response(NamedTuple):
    """A decoded message. ``pdu`` is RESPONSE or REPORT: a v1/v2c session refuses a Report
    (and a version other than its own) rather than reading it as an answer."""

    version: int
    community: bytes
    pdu: int
    request_id: int
    error_status: int
    error_index: int
    varbinds: list[VarBind]


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _len(len(body)) + body


def _int(n: int) -> bytes:
    return _tlv(INTEGER, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True))


def parse_oid(text: str) -> tuple[int, ...]:
    """``"1.3.6.1"`` or ``".1.3.6.1"`` → ``(1, 3, 6, 1)``; names are not resolved."""
    try:
        arcs = tuple(int(a) for a in text.strip().lstrip(".").split("."))
    except ValueError:
        raise BerError(f"not a numeric OID: {text!r}") from None
    if len(arcs) < 2 or arcs[0] > 2 or any(a < 0 for a in arcs):
        raise BerError(f"not a valid OID: {text!r}")
    return arcs


def oid_str(oid: tuple[int, ...]) -> str:
    return ".".join(map(str, oid))


def encode_oid(oid: tuple[int, ...]) -> bytes:
    out = bytearray()
    for arc in (oid[0] * 40 + oid[1], *oid[2:]):  # the first two share one subidentifier
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = []
        while arc:
            chunk.append(arc & 0x7F)
            arc >>= 7
        chunk.reverse()
        out += bytes(c | 0x80 for c in chunk[:-1]) + bytes((chunk[-1],))
    return _tlv(OID, bytes(out))


def encode_request(version: int, community: bytes, pdu_type: int, request_id: int,
                   oids: Sequence[tuple[int, ...]], non_repeaters: int = 0,
                   max_repetitions: int = 0) -> bytes:
    """A GET, GETNEXT or GETBULK message (version 0 = v1, 1 = v2c) with NULL values."""
    varbinds = b"".join(_tlv(0x30, encode_oid(o) + b"\x05\x00") for o in oids)
    pdu = _tlv(pdu_type, _int(request_id) + _int(non_repeaters) + _int(max_repetitions)
               + _tlv(0x30, varbinds))
    return _tlv(0x30, _int(version) + _tlv(OCTET_STRING, community) + pdu)


def _decode_oid(data: bytes, start: int, end: int) -> tuple[int, ...]:
    if start >= end:
        raise BerError("empty OID")
    body = data[start:end]
    if max(body) < 0x80:  # every subidentifier below 128: the common case, done in C
        first = body[0]
        return (*((first // 40, first % 40) if first < 80 else (2, first - 80)), *body[1:])
    if body[-1] & 0x80:
        raise BerError("OID ends inside an arc")
    subids = []
    arc = 0
    for b in body:
        arc = (arc << 7) | (b & 0x7F)
        if b < 0x80:
            subids.append(arc)
            arc = 0
    first = subids[0]
    return (*((first // 40, first % 40) if first < 80 else (2, first - 80)), *subids[1:])


def _header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the TLV at ``pos``."""
    if pos + 2 > end:
        raise BerError("truncated message")
    tag = data[pos]
    if tag & 0x1F == 0x1F:  # high tag number form: the number follows, 7 bits a byte
        pos += 1
        while pos < end and data[pos] & 0x80:
            tag = (tag << 8) | data[pos]
            pos += 1
        if pos + 2 > end or tag >> 32:
            raise BerError("truncated message" if pos + 2 > end else "bad tag")
        tag = (tag << 8) | data[pos]
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or pos + k > end:
            raise BerError("bad length")
        n = int.from_bytes(data[pos:pos + k], "big")
        pos += k
    if pos + n > end:
        raise BerError("truncated message")
    return tag, pos, pos + n


def decode_response(data: bytes, pdu_types: tuple[int, ...] = (RESPONSE, REPORT)
                    ) -> Response:
    """The version, community, PDU type, request-id, error-status, error-index and varbinds
    of a Response or Report (or of another PDU of the same shape named in ``pdu_types``:
    an SNMPv2-Trap). A value of a type this codec does not know is kept as its
    bytes with its tag (as an Opaque would be), never an error.

    Raises BerError for anything malformed or truncated: the caller treats that device's
    answer as a protocol error, never crashes on it."""
    try:
        return _decode_response(data, pdu_types)
    except (IndexError, ValueError) as exc:
        if isinstance(exc, BerError):
            raise
        raise BerError(f"malformed message: {exc}") from None


def _decode_response(data: bytes, pdu_types: tuple[int, ...]) -> Response:
    end = len(data)
    tag, pos, end = _header(data, 0, end)
    if tag != 0x30:
        raise BerError("not an SNMP message")
    tag, s, e = _header(data, pos, end)
    if tag != INTEGER:
        raise BerError("no version")
    version = int.from_bytes(data[s:e], "big", signed=True)
    tag, s, pos = _header(data, e, end)
    if tag != OCTET_STRING:
        raise BerError("no community")
    community = data[s:pos]
    pdu, pos, pdu_end = _header(data, pos, end)
    if pdu not in pdu_types:
        raise BerError(f"unexpected PDU type 0x{pdu:02x}")
    fields = []
    for _ in range(3):
        tag, s, pos = _header(data, pos, pdu_end)
        if tag != INTEGER:
            raise BerError("bad PDU header")
        fields.append(int.from_bytes(data[s:pos], "big", signed=True))
    tag, pos, vbl_end = _header(data, pos, pdu_end)
    if tag != 0x30:
        raise BerError("no varbind list")
    out: list[VarBind] = []
    append = out.append
    from_bytes = int.from_bytes
    while pos < vbl_end:
        tag, pos, vb_end = _header(data, pos, vbl_end)
        if tag != 0x30:
            raise BerError("bad varbind")
        tag, s, pos = _header(data, pos, vb_end)
        if tag != OID:
            raise BerError("varbind without OID")
        oid = _decode_oid(data, s, pos)
        tag, s, pos = _header(data, pos, vb_end)
        value: Value
        if tag in (OCTET_STRING, OPAQUE):
            value = data[s:pos]
        elif tag in _UNSIGNED:
            value = from_bytes(data[s:pos], "big")
        elif tag == INTEGER:
            value = from_bytes(data[s:pos], "big", signed=True)
        elif tag == OID:
            value = oid_str(_decode_oid(data, s, pos))
        elif tag == IPADDRESS:
            if pos - s != 4:
                raise BerError("bad IpAddress")
            value = socket.inet_ntoa(data[s:pos])
        elif tag in (NULL, NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW):
            value = None
        else:  # a type we do not know: its bytes, as an Opaque's
            value = data[s:pos]
        append((oid, tag, value))
        pos = vb_end
    return Response(version, community, pdu, fields[0], fields[1], fields[2], out)
