"""Real SNMP peers for these tests: Debian's Net-SNMP ``snmpd`` (v2c and a v3 authPriv user)
and snmpsim serving recordings of real devices. One of each per test worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from muniops.collector.core.credentials import SnmpCommunity, SnmpV3
from muniops.collector.snmp.config import BUILTIN_PROFILES
from muniops.collector.snmp.profiles import ProfileSet
from muniops.collector.snmp.session import SnmpTarget
from muniops.lab import snmpd
from muniops.lab.snmpsim import RECORDINGS, running_snmpsim

V3_EXTRA = ('createUser ops256 SHA-256 "auth256pass" AES-256 "priv256pass"\n'
            "rouser ops256 priv -V all\n")


@pytest.fixture(scope="session")
def agent() -> Iterator[snmpd.Snmpd]:
    if not snmpd.available():
        pytest.fail("snmpd/snmp are not installed: run scripts/install-system-deps.sh")
    with snmpd.running_snmpd(extra_config=V3_EXTRA) as running:
        yield running


@pytest.fixture(scope="session")
def sim_port() -> Iterator[int]:
    with running_snmpsim(RECORDINGS) as port:
        yield port


@pytest.fixture(scope="session")
def profiles() -> ProfileSet:
    return ProfileSet.load([BUILTIN_PROFILES])


def v2c(community: str) -> SnmpCommunity:
    return SnmpCommunity(type="snmp_v2c", community=SecretStr(community))


def v3(agent: snmpd.Snmpd, **changes: str) -> SnmpV3:
    data = {"type": "snmp_v3", "username": agent.v3_user, "auth_protocol": "sha",
            "auth_key": agent.v3_auth, "priv_protocol": "aes128", "priv_key": agent.v3_priv}
    data.update(changes)
    return SnmpV3.model_validate(data)


def agent_target(agent: snmpd.Snmpd, v3_cred: bool = False, **kw: float) -> SnmpTarget:
    cred = v3(agent) if v3_cred else v2c(agent.community)
    return SnmpTarget("127.0.0.1", agent.port, cred, **kw)  # type: ignore[arg-type]


def sim_target(port: int, recording: str, **kw: float) -> SnmpTarget:
    return SnmpTarget("127.0.0.1", port, v2c(recording), **kw)  # type: ignore[arg-type]


def recording(name: str) -> dict[str, tuple[str, str]]:
    """{oid: (tag, value)} of a .snmprec file."""
    out = {}
    for line in (RECORDINGS / f"{name}.snmprec").read_text(errors="replace").splitlines():
        oid, tag, value = line.split("|", 2)
        out[oid] = (tag, value)
    return out


def expected(name: str) -> dict:  # type: ignore[type-arg]
    import json

    data: dict = json.loads((RECORDINGS / f"{name}.json").read_text())  # type: ignore[type-arg]
    return data


__all__ = ["Path", "agent_target", "expected", "recording", "sim_target", "v2c", "v3"]
