"""A hostile SNMP v2c agent for the tests, encoded with pyasn1 (pysnmp's message types),
never with muniops' own codec, so a bug in ``collector/snmp/ber.py`` cannot hide itself.

Modes (``python -m muniops.lab.hostile_snmp MODE PORT``, or ``running_hostile_agent``):

* ``endless`` — the system group, then an ifTable whose every column goes on for ever
  with increasing indexes and long ifDescr values: a device that would take the memory.
* ``wrong-version`` — answers every request well, but as an SNMPv1 message.
* ``report`` — answers every request with a Report PDU instead of a Response.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

from muniops.lab.net import free_port, stop, wait_until

MODES = ("endless", "wrong-version", "report")
SYSTEM = {(1, 3, 6, 1, 2, 1, 1, 1, 0): b"hostile agent", (1, 3, 6, 1, 2, 1, 1, 3, 0): 4242,
          (1, 3, 6, 1, 2, 1, 1, 5, 0): b"hostile"}
IF_ENTRY = (1, 3, 6, 1, 2, 1, 2, 2, 1)
_V2 = api.v2c


def _value(oid: tuple[int, ...]) -> Any:
    """Every OID under ifEntry exists, for ever: column c, index i."""
    if oid in SYSTEM:
        v = SYSTEM[oid]
        return _V2.OctetString(v) if isinstance(v, bytes) else _V2.TimeTicks(v)
    if oid == (1, 3, 6, 1, 2, 1, 1, 2, 0):
        return _V2.ObjectIdentifier((1, 3, 6, 1, 4, 1, 99998, 1))
    col, index = oid[len(IF_ENTRY)], oid[-1]
    if col == 2:
        return _V2.OctetString(b"x" * 200 + str(index).encode())
    return _V2.Counter32(index % (1 << 32))


def _exists(oid: tuple[int, ...]) -> bool:
    return (oid in SYSTEM or oid == (1, 3, 6, 1, 2, 1, 1, 2, 0)
            or (oid[:len(IF_ENTRY)] == IF_ENTRY and len(oid) == len(IF_ENTRY) + 2))


def _next(oid: tuple[int, ...]) -> tuple[int, ...]:
    """The OID after ``oid`` in an endless MIB: system, then ifEntry columns 1.. with
    indexes that never end (a column never reaches the next one)."""
    scalars = sorted([*SYSTEM, (1, 3, 6, 1, 2, 1, 1, 2, 0)])
    for s in scalars:
        if s > oid:
            return s
    if oid[:len(IF_ENTRY)] == IF_ENTRY and len(oid) > len(IF_ENTRY) + 1:
        return (*oid[:len(IF_ENTRY) + 1], oid[-1] + 1)
    if oid[:len(IF_ENTRY)] == IF_ENTRY and len(oid) == len(IF_ENTRY) + 1:
        return (*oid, 1)
    return (*IF_ENTRY, 1, 1)


class _Hostile(asyncio.DatagramProtocol):
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            answer = self.answer(data)
        except Exception:
            return
        assert self.transport is not None
        self.transport.sendto(answer, addr)

    def answer(self, data: bytes) -> bytes:
        msg, _ = decoder.decode(data, asn1Spec=_V2.Message())
        req = _V2.apiMessage.get_pdu(msg)
        oids = [tuple(o) for o, _ in _V2.apiPDU.get_varbinds(req)]
        if req.isSameTypeWith(_V2.GetBulkRequestPDU()):
            reps = int(_V2.apiBulkPDU.get_max_repetitions(req))
            vbs = []
            cursors = list(oids)
            for _ in range(max(1, reps)):
                cursors = [_next(c) for c in cursors]
                vbs += [(c, _value(c)) for c in cursors]
        elif req.isSameTypeWith(_V2.GetNextRequestPDU()):
            vbs = [(n, _value(n)) for n in (_next(o) for o in oids)]
        else:
            vbs = [(o, _value(o) if _exists(o) else _V2.NoSuchObject()) for o in oids]
        pdu = _V2.ReportPDU() if self.mode == "report" else _V2.ResponsePDU()
        _V2.apiPDU.set_defaults(pdu)
        _V2.apiPDU.set_request_id(pdu, _V2.apiPDU.get_request_id(req))
        _V2.apiPDU.set_varbinds(pdu, vbs)
        out = _V2.Message()
        _V2.apiMessage.set_defaults(out)
        out.setComponentByPosition(0, 0 if self.mode == "wrong-version" else 1)
        _V2.apiMessage.set_community(out, _V2.apiMessage.get_community(msg))
        _V2.apiMessage.set_pdu(out, pdu)
        return bytes(encoder.encode(out))


async def serve(mode: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: _Hostile(mode), local_addr=("127.0.0.1", port))
    await asyncio.Event().wait()


def _answers(port: int) -> bool:
    probe = bytes.fromhex("302602010104067075626c6963a019020101020100020100300e300c06082b060102"
                          "010101000500")  # GET sysDescr.0, community "public", v2c
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.3)
        s.sendto(probe, ("127.0.0.1", port))
        try:
            return bool(s.recv(65535))
        except OSError:
            return False


@contextmanager
def running_hostile_agent(mode: str) -> Iterator[int]:
    """Start the agent in its own process (its memory is not the poller's); yields the
    UDP port on 127.0.0.1. Any community is accepted."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    port = free_port(socket.SOCK_DGRAM)
    proc = subprocess.Popen([sys.executable, "-m", "muniops.lab.hostile_snmp", mode, str(port)])
    try:
        wait_until(lambda: _answers(port), timeout=30, what="hostile SNMP agent")
        yield port
    finally:
        stop(proc, 2)


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], int(sys.argv[2])))
