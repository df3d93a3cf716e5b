"""The BER codec against pyasn1 (pysnmp's message types) on generated values: what pyasn1
encodes, ``ber`` decodes to the same thing, and what ``ber`` encodes, pyasn1 reads back."""

from __future__ import annotations

import contextlib
import socket
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

from muniops.collector.snmp import ber

V2 = api.v2c

oids = st.one_of(
    st.tuples(st.integers(0, 1), st.integers(0, 39)),
    st.tuples(st.just(2), st.integers(0, 100_000)),
).flatmap(lambda head: st.lists(st.integers(0, 2**32 - 1), max_size=12).map(
    lambda rest: (*head, *rest)))

# (pyasn1 value, BER tag, what ber.decode_response must give)
values = st.one_of(
    st.integers(-2**31, 2**31 - 1).map(lambda n: (V2.Integer32(n), ber.INTEGER, n)),
    st.binary(max_size=300).map(lambda b: (V2.OctetString(b), ber.OCTET_STRING, b)),
    st.binary(max_size=40).map(lambda b: (V2.Opaque(b), ber.OPAQUE, b)),
    st.integers(0, 2**32 - 1).map(lambda n: (V2.Counter32(n), ber.COUNTER32, n)),
    st.integers(0, 2**32 - 1).map(lambda n: (V2.Gauge32(n), ber.GAUGE32, n)),
    st.integers(0, 2**32 - 1).map(lambda n: (V2.TimeTicks(n), ber.TIMETICKS, n)),
    st.integers(0, 2**64 - 1).map(lambda n: (V2.Counter64(n), ber.COUNTER64, n)),
    st.binary(min_size=4, max_size=4).map(
        lambda b: (V2.IpAddress(b), ber.IPADDRESS, socket.inet_ntoa(b))),
    oids.map(lambda o: (V2.ObjectIdentifier(o), ber.OID, ber.oid_str(o))),
    st.sampled_from([(V2.Null, ber.NULL), (V2.NoSuchObject, ber.NO_SUCH_OBJECT),
                     (V2.NoSuchInstance, ber.NO_SUCH_INSTANCE),
                     (V2.EndOfMibView, ber.END_OF_MIB_VIEW)]).map(
        lambda kind: (kind[0](), kind[1], None)),
)


def pyasn1_message(version: int, community: bytes, request_id: int, varbinds: list[Any],
                   pdu: Any = None) -> bytes:
    pdu = V2.ResponsePDU() if pdu is None else pdu
    V2.apiPDU.set_defaults(pdu)
    V2.apiPDU.set_request_id(pdu, request_id)
    V2.apiPDU.set_varbinds(pdu, varbinds)
    msg = V2.Message()
    V2.apiMessage.set_defaults(msg)
    msg.setComponentByPosition(0, version)
    V2.apiMessage.set_community(msg, community)
    V2.apiMessage.set_pdu(msg, pdu)
    return bytes(encoder.encode(msg))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(oids, values), max_size=30), st.binary(max_size=40),
       st.integers(-2**31, 2**31 - 1), st.sampled_from([0, 1]))
def test_decodes_what_pyasn1_encodes(varbinds: list[tuple[tuple[int, ...], Any]],
                                     community: bytes, request_id: int, version: int) -> None:
    data = pyasn1_message(version, community, request_id, [(o, v[0]) for o, v in varbinds])
    got = ber.decode_response(data)
    assert (got.version, got.community, got.pdu, got.request_id) == \
        (version, community, ber.RESPONSE, request_id)
    assert got.varbinds == [(o, tag, expected) for o, (_, tag, expected) in varbinds]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([ber.GET, ber.GETNEXT, ber.GETBULK]), st.lists(oids, min_size=1,
       max_size=30), st.binary(max_size=40), st.integers(0, 2**31 - 1),
       st.integers(0, 100), st.integers(0, 200))
def test_pyasn1_reads_what_ber_encodes(pdu_type: int, requested: list[tuple[int, ...]],
                                       community: bytes, request_id: int, non_repeaters: int,
                                       max_repetitions: int) -> None:
    data = ber.encode_request(1, community, pdu_type, request_id, requested, non_repeaters,
                              max_repetitions)
    msg, rest = decoder.decode(data, asn1Spec=V2.Message())
    assert rest == b""
    pdu = V2.apiMessage.get_pdu(msg)
    assert int(msg[0]) == 1 and bytes(V2.apiMessage.get_community(msg)) == community
    assert pdu.tagSet[0].tagId == pdu_type & 0x1F
    assert int(V2.apiPDU.get_request_id(pdu)) == request_id
    assert [tuple(o) for o, _ in V2.apiPDU.get_varbinds(pdu)] == requested
    if pdu_type == ber.GETBULK:
        assert int(V2.apiBulkPDU.get_non_repeaters(pdu)) == non_repeaters
        assert int(V2.apiBulkPDU.get_max_repetitions(pdu)) == max_repetitions


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([0x45, 0x48, 0x49, 0x4A, 0x5E, 0x83, 0x9E, 0xC1]), st.binary(max_size=60))
def test_an_unknown_value_type_decodes_as_its_bytes(tag: int, body: bytes) -> None:
    """A type the codec does not know (a vendor's, a future RFC's) is kept as opaque bytes
    with its tag; the rest of the message still decodes."""
    marker = b"\x00MARK" + body
    data = bytearray(pyasn1_message(1, b"public", 7, [((1, 3, 6, 1, 9), V2.OctetString(marker)),
                                                      ((1, 3, 6, 1, 10), V2.Counter32(5))]))
    at = data.index(marker) - 2 if len(marker) < 0x80 else data.index(marker) - 3
    assert data[at] == ber.OCTET_STRING
    data[at] = tag
    got = ber.decode_response(bytes(data))
    assert got.varbinds == [((1, 3, 6, 1, 9), tag, marker), ((1, 3, 6, 1, 10), ber.COUNTER32, 5)]


def test_a_report_pdu_and_the_version_are_told_apart() -> None:
    data = pyasn1_message(0, b"public", 9, [((1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0),
                                             V2.Counter32(1))], pdu=V2.ReportPDU())
    got = ber.decode_response(data)
    assert (got.version, got.pdu) == (0, ber.REPORT)


@pytest.mark.parametrize("data", [b"", b"\x30", b"\x30\x82\xff\xff", b"\x30\x03\x02\x01",
                                  b"\x04\x00", b"\x30\x1f\xff\xff\xff\xff\xff\x01\x00"])
def test_garbage_is_a_ber_error_never_a_crash(data: bytes) -> None:
    with pytest.raises(ber.BerError):
        ber.decode_response(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_a_ber_error_or_a_message(data: bytes) -> None:
    with contextlib.suppress(ber.BerError):
        ber.decode_response(data)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(oids, values), min_size=1, max_size=8), st.data())
def test_a_damaged_message_is_a_ber_error_or_a_message(
        varbinds: list[tuple[tuple[int, ...], Any]], data: st.DataObject) -> None:
    """Flip, cut or grow a real message anywhere: never an exception but BerError."""
    raw = bytearray(pyasn1_message(1, b"public", 1, [(o, v[0]) for o, v in varbinds]))
    at = data.draw(st.integers(0, len(raw) - 1))
    action = data.draw(st.sampled_from(["flip", "cut", "grow"]))
    if action == "flip":
        raw[at] = data.draw(st.integers(0, 255))
    elif action == "cut":
        del raw[at:]
    else:
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    with contextlib.suppress(ber.BerError):
        ber.decode_response(bytes(raw))
