"""The session against Debian's Net-SNMP agent, value for value against Net-SNMP's own
``snmpget`` / ``snmpbulkwalk`` on the same agent, for v2c and v3 authPriv."""

from __future__ import annotations

import asyncio
import subprocess

import pytest

from muniops.collector.snmp.errors import SnmpAuthError, SnmpTimeout
from muniops.collector.snmp.session import SnmpSession, SnmpTarget, SnmpValue
from muniops.lab.snmpd import Snmpd
from tests.snmp.conftest import agent_target, v2c, v3

SYSTEM = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.4.0", "1.3.6.1.2.1.1.5.0",
          "1.3.6.1.2.1.1.6.0"]
# subtrees whose values change from one walk to the next on a live host
VOLATILE = ("1.3.6.1.2.1.25.4.", "1.3.6.1.2.1.25.5.", "1.3.6.1.2.1.25.1.", "1.3.6.1.2.1.1.3.",
            "1.3.6.1.4.1.2021.", "1.3.6.1.4.1.8072.1.5.")  # 8072.1.5: snmpd's cache states


def netsnmp_walk(agent: Snmpd, oid: str, v3_cred: bool = False) -> dict[str, bytes | str]:
    """``snmpbulkwalk -On -Oq -Ot -Oe -Ox``: every string as hex, so bytes compare exactly."""
    out = agent.tool("snmpbulkwalk", "-Oq", "-Ot", "-Ox", "-Cr25", oid, v3=v3_cred)
    values: dict[str, bytes | str] = {}
    last = None
    for line in out.splitlines():
        if line.startswith("."):
            key, _, value = line[1:].partition(" ")
            if value.startswith("No more variables"):  # endOfMibView, not a value
                last = None
                continue
            values[key] = value.strip()
            last = key
        elif last is not None:  # a long hex string continues on the next line
            values[last] = f"{values[last]} {line.strip()}"
    return values


def same(ours: SnmpValue, theirs: bytes | str) -> bool:
    """Compare one of our values with Net-SNMP's -Oq -Ox -Ot -On text."""
    text = str(theirs)
    if isinstance(ours, bytes):
        if text == '""':
            return ours == b""
        try:
            return ours == bytes.fromhex(text.replace(" ", "").replace('"', ""))
        except ValueError:  # printable strings are quoted even under -Ox
            return ours == text.strip('"').encode()
    if isinstance(ours, int):
        return text.split()[0] == str(ours)
    if isinstance(ours, str):
        return text.lstrip(".") == ours
    return False


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.mark.parametrize("use_v3", [False, True], ids=["v2c", "v3-authPriv"])
def test_get_matches_snmpget(agent: Snmpd, use_v3: bool) -> None:
    async def read() -> dict[str, SnmpValue]:
        async with SnmpSession(agent_target(agent, use_v3)) as s:
            return await s.get([*SYSTEM, "1.3.6.1.2.1.1.99.0"])

    got = run(read())
    assert got.pop("1.3.6.1.2.1.1.99.0") is None  # no such object reads as None
    theirs = {k: v for oid in SYSTEM
              for k, v in netsnmp_walk(agent, oid, use_v3).items()}
    assert set(got) == set(theirs)
    for oid, value in got.items():
        assert same(value, theirs[oid]), (oid, value, theirs[oid])


@pytest.mark.parametrize(("use_v3", "root", "at_least"),
                         [(False, "1.3.6.1", 1000), (True, "1.3.6.1", 1000)],
                         ids=["v2c", "v3-authPriv"])
def test_walk_matches_snmpbulkwalk(agent: Snmpd, use_v3: bool, root: str,
                                   at_least: int) -> None:
    """Every OID of the subtree, and every value that stays put between two of Net-SNMP's
    own walks, is what we read."""
    first = netsnmp_walk(agent, root, use_v3)

    async def walk() -> list[tuple[str, SnmpValue]]:
        async with SnmpSession(agent_target(agent, use_v3, max_repetitions=50)) as s:
            return await s.walk(root)

    ours = dict(run(walk()))
    second = netsnmp_walk(agent, root, use_v3)
    stable = {k for k in first.keys() & second.keys() if not k.startswith(VOLATILE)}
    assert len(stable) > at_least
    assert stable <= ours.keys()
    assert set(ours) <= first.keys() | second.keys() | {
        k for k in ours if k.startswith(VOLATILE)}
    mismatched = [(k, ours[k], first[k]) for k in sorted(stable)
                  if first[k] == second[k] and not same(ours[k], first[k])]
    assert not mismatched[:5]


def test_walk_returns_oids_in_order_and_only_the_subtree(agent: Snmpd) -> None:
    async def walk() -> list[tuple[str, SnmpValue]]:
        async with SnmpSession(agent_target(agent, max_repetitions=7)) as s:
            return await s.walk("1.3.6.1.2.1.2.2.1.2")  # ifDescr

    rows = run(walk())
    theirs = netsnmp_walk(agent, "1.3.6.1.2.1.2.2.1.2")
    assert [oid for oid, _ in rows] == list(theirs)
    keys = [tuple(int(a) for a in oid.split(".")) for oid, _ in rows]
    assert keys == sorted(keys)


def test_sha256_aes256_user(agent: Snmpd) -> None:
    cred = v3(agent, username="ops256", auth_protocol="sha256", auth_key="auth256pass",
              priv_protocol="aes256", priv_key="priv256pass")

    async def read() -> dict[str, SnmpValue]:
        async with SnmpSession(SnmpTarget("127.0.0.1", agent.port, cred)) as s:
            return await s.get(["1.3.6.1.2.1.1.5.0"])

    expected = subprocess.run(
        ["snmpget", "-v3", "-l", "authPriv", "-u", "ops256", "-a", "SHA-256", "-A",
         "auth256pass", "-x", "AES-256", "-X", "priv256pass", "-On", "-Oqv",
         f"udp:127.0.0.1:{agent.port}", "1.3.6.1.2.1.1.5.0"],
        env=agent.env(), capture_output=True, text=True, check=True).stdout.strip()
    assert run(read())["1.3.6.1.2.1.1.5.0"] == expected.strip('"').encode()


def test_wrong_v3_key_is_an_auth_error_without_the_secret(agent: Snmpd) -> None:
    cred = v3(agent, auth_key="not-the-key-123")

    async def read() -> None:
        async with SnmpSession(SnmpTarget("127.0.0.1", agent.port, cred, timeout=1,
                                          retries=0)) as s:
            await s.get(["1.3.6.1.2.1.1.5.0"])

    with pytest.raises(SnmpAuthError) as info:
        run(read())
    assert "not-the-key-123" not in str(info.value)
    assert agent.v3_priv not in str(info.value)


def test_v3_without_protocols_is_refused_rather_than_md5(agent: Snmpd) -> None:
    cred = v3(agent)
    cred = cred.model_copy(update={"auth_protocol": None})
    with pytest.raises(SnmpAuthError, match="auth_protocol"):
        run(SnmpSession(SnmpTarget("127.0.0.1", agent.port, cred)).__aenter__())


def test_wrong_community_times_out_without_naming_it(agent: Snmpd) -> None:
    async def read() -> None:
        async with SnmpSession(SnmpTarget("127.0.0.1", agent.port, v2c("guess-me"),
                                          timeout=0.3, retries=1)) as s:
            await s.get(["1.3.6.1.2.1.1.5.0"])

    with pytest.raises(SnmpTimeout) as info:
        run(read())
    assert "guess-me" not in str(info.value)


def test_pysnmp_path_reads_the_same_as_the_fast_path(agent: Snmpd) -> None:
    """v1/v2c go through our BER codec; the pysnmp path must agree with it."""
    async def walk(backend: str) -> list[tuple[str, SnmpValue]]:
        async with SnmpSession(agent_target(agent), backend=backend) as s:
            return await s.walk("1.3.6.1.2.1.2")  # interfaces: strings, counters, gauges

    fast, slow = run(walk("auto")), run(walk("pysnmp"))
    assert [o for o, _ in fast] == [o for o, _ in slow]
    # counters move between the two walks on a live host; descr, type, mtu, speed, MAC
    # and status must not
    static = tuple(f"1.3.6.1.2.1.2.2.1.{c}." for c in (2, 3, 4, 5, 6, 7, 8))
    compared = [(oid, value) for oid, value in fast if oid.startswith(static)]
    assert len(compared) >= 7
    for oid, value in compared:
        assert dict(slow)[oid] == value, oid


def test_snmp_v1_get_and_walk(agent: Snmpd) -> None:
    """v1 has no GETBULK and answers a missing OID with noSuchName: GETNEXT walks, and the
    missing OID still reads as None."""
    from pydantic import SecretStr

    from muniops.collector.core.credentials import SnmpCommunity

    cred = SnmpCommunity(type="snmp_v1", community=SecretStr(agent.community))

    async def read() -> tuple[dict[str, SnmpValue], list[tuple[str, SnmpValue]]]:
        async with SnmpSession(SnmpTarget("127.0.0.1", agent.port, cred)) as s:
            return (await s.get(["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.99.0"]),
                    await s.walk("1.3.6.1.2.1.2.2.1.2"))

    got, walked = run(read())
    out = subprocess.run(["snmpwalk", "-v1", "-c", agent.community, "-On", "-Oq", "-Ox",
                          f"udp:127.0.0.1:{agent.port}", "1.3.6.1.2.1.2.2.1.2"],
                         env=agent.env(), capture_output=True, text=True, check=True).stdout
    theirs = dict(line[1:].split(" ", 1) for line in out.splitlines())
    assert [oid for oid, _ in walked] == list(theirs)
    assert all(same(v, theirs[o]) for o, v in walked)
    assert got["1.3.6.1.2.1.1.99.0"] is None and isinstance(got["1.3.6.1.2.1.1.5.0"], bytes)
