"""A deliberately broken SNMP v2c agent for the robustness tests: garbage, truncated
answers, tooBig, tables that never end, OIDs that go backwards, silence, slowness.

No real agent misbehaves on demand, so this one is built from the project's BER codec:
it answers GET/GETNEXT/GETBULK from a small MIB (system group and an ifTable)."""

from __future__ import annotations

import bisect
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from muniops.collector.snmp import ber

Row = tuple[tuple[int, ...], int, int | bytes | str]


def small_mib(interfaces: int = 100, uptime: int = 12345) -> list[Row]:
    rows: list[Row] = [((1, 3, 6, 1, 2, 1, 1, 1, 0), ber.OCTET_STRING, b"faulty agent"),
                       ((1, 3, 6, 1, 2, 1, 1, 2, 0), ber.OID, "1.3.6.1.4.1.99999.1"),
                       ((1, 3, 6, 1, 2, 1, 1, 3, 0), ber.TIMETICKS, uptime),
                       ((1, 3, 6, 1, 2, 1, 1, 5, 0), ber.OCTET_STRING, b"faulty")]
    for col, tag in ((2, ber.OCTET_STRING), (8, ber.INTEGER), (10, ber.COUNTER32)):
        for i in range(1, interfaces + 1):
            value: int | bytes = f"port{i}".encode() if col == 2 else (1 if col == 8 else i)
            rows.append(((1, 3, 6, 1, 2, 1, 2, 2, 1, col, i), tag, value))
    return sorted(rows)


def _value(tag: int, value: int | bytes | str | None) -> bytes:
    if tag in (ber.NO_SUCH_OBJECT, ber.NO_SUCH_INSTANCE, ber.END_OF_MIB_VIEW, ber.NULL):
        return bytes((tag, 0))
    if tag == ber.OID:
        return ber.encode_oid(ber.parse_oid(str(value)))
    if isinstance(value, bytes):
        return ber._tlv(tag, value)
    assert isinstance(value, int)
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)
    return ber._tlv(tag, body)


def encode_response(community: bytes, rid: int, status: int, index: int,
                    vbs: list[tuple[tuple[int, ...], int, int | bytes | str | None]]) -> bytes:
    body = b"".join(ber._tlv(0x30, ber.encode_oid(o) + _value(t, v)) for o, t, v in vbs)
    pdu = ber._tlv(ber.RESPONSE, ber._int(rid) + ber._int(status) + ber._int(index)
                   + ber._tlv(0x30, body))
    return ber._tlv(0x30, ber._int(1) + ber._tlv(ber.OCTET_STRING, community) + pdu)


def decode_request(data: bytes) -> tuple[bytes, int, int, int, int, list[tuple[int, ...]]]:
    """(community, pdu type, request-id, non-repeaters, max-repetitions, OIDs)."""
    _, pos, end = ber._header(data, 0, len(data))
    _, s, e = ber._header(data, pos, end)
    _, s, pos = ber._header(data, e, end)
    community = data[s:pos]
    pdu, pos, pdu_end = ber._header(data, pos, end)
    fields = []
    for _ in range(3):
        _, s, pos = ber._header(data, pos, pdu_end)
        fields.append(int.from_bytes(data[s:pos], "big", signed=True))
    _, pos, vbl_end = ber._header(data, pos, pdu_end)
    oids = []
    while pos < vbl_end:
        _, vpos, vb_end = ber._header(data, pos, vbl_end)
        _, s, e = ber._header(data, vpos, vb_end)
        oids.append(ber._decode_oid(data, s, e))
        pos = vb_end
    return community, pdu, fields[0], fields[1], fields[2], oids


class FaultyAgent:
    """Behaviours: ok, garbage, truncated, toobig (over ``max_reps``), endless, backwards,
    silent, slow (``delay`` seconds). Change ``behaviour``/``mib`` between polls."""

    def __init__(self, behaviour: str = "ok", mib: list[Row] | None = None) -> None:
        self.behaviour = behaviour
        self.mib = mib or small_mib()
        self.max_reps = 10
        self.delay = 0.0
        self.slow_requests = 1_000_000  # how many requests ``delay`` applies to
        self.requests = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self._stop = threading.Event()

    def _next(self, oid: tuple[int, ...]) -> tuple[tuple[int, ...], int, int | bytes | str | None]:
        if self.behaviour == "endless" and oid[:10] == (1, 3, 6, 1, 2, 1, 2, 2, 1, 8):
            last = oid[10] if len(oid) > 10 else 0
            return (*oid[:10], last + 1), ber.INTEGER, 1  # a column without end
        if self.behaviour == "backwards" and oid[:10] == (1, 3, 6, 1, 2, 1, 2, 2, 1, 8):
            return (1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 1), ber.INTEGER, 1  # always the first row
        keys = [r[0] for r in self.mib]
        i = bisect.bisect_right(keys, oid)
        if i >= len(self.mib):
            return oid, ber.END_OF_MIB_VIEW, None
        return self.mib[i]

    def _answer(self, data: bytes) -> bytes | None:
        community, pdu, rid, _nonrep, reps, oids = decode_request(data)
        if self.behaviour == "silent":
            return None
        if self.behaviour == "garbage":
            return b"\x30\x82\xff\xffnot snmp at all"
        vbs: list[tuple[tuple[int, ...], int, int | bytes | str | None]] = []
        if pdu == ber.GET:
            found = {r[0]: r for r in self.mib}
            vbs = [found.get(o, (o, ber.NO_SUCH_INSTANCE, None)) for o in oids]
        elif pdu == ber.GETNEXT:
            vbs = [self._next(o) for o in oids]
        else:
            if self.behaviour == "toobig" and reps > self.max_reps:
                return encode_response(community, rid, 1, 0, [(o, ber.NULL, None) for o in oids])
            cursors = list(oids)
            for _ in range(reps):
                for j, cursor in enumerate(cursors):
                    nxt = self._next(cursor)
                    vbs.append(nxt)
                    cursors[j] = nxt[0]
        msg = encode_response(community, rid, 0, 0, vbs)
        if self.behaviour == "truncated":
            return msg[: len(msg) // 2]
        return msg

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            self.requests += 1
            answer = self._answer(data)
            if answer is not None:
                if self.delay and self.requests <= self.slow_requests:
                    time.sleep(self.delay)
                self.sock.sendto(answer, addr)

    @contextmanager
    def running(self) -> Iterator[FaultyAgent]:
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(2)
            self.sock.close()
