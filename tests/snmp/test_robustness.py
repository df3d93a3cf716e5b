"""A device that misbehaves never stops the poller or the other devices: each yields a
state and a reason. Against a deliberately broken agent (faulty_agent.py) polled in the
same cycle as a real snmpd."""

from __future__ import annotations

import asyncio

import pytest

from muniops.collector.snmp.errors import SnmpProtocolError
from muniops.collector.snmp.poller import DeviceSpec, PollResult, poll_device, poll_many
from muniops.collector.snmp.profiles import ProfileSet
from muniops.collector.snmp.session import SnmpSession, SnmpTarget
from muniops.lab.snmpd import Snmpd
from tests.snmp.conftest import agent_target, v2c
from tests.snmp.faulty_agent import FaultyAgent

IF_OPER = "1.3.6.1.2.1.2.2.1.8"


def target(agent: FaultyAgent, **kw: float) -> SnmpTarget:
    opts = {"timeout": 0.3, "retries": 1, **kw}
    return SnmpTarget("127.0.0.1", agent.port, v2c("public"), **opts)  # type: ignore[arg-type]


def poll(agent: FaultyAgent, profiles: ProfileSet, budget: float = 5.0,
         **kw: float) -> PollResult:
    spec = DeviceSpec("faulty", target(agent, **kw), ("generic",), budget_seconds=budget)
    return asyncio.run(poll_device(spec, profiles))


@pytest.mark.parametrize("behaviour", ["garbage", "truncated", "silent"])
def test_broken_answers_give_down_with_a_reason(behaviour: str, profiles: ProfileSet) -> None:
    with FaultyAgent(behaviour).running() as agent:
        res = poll(agent, profiles)
    assert res.state == "down"
    assert res.reason
    if behaviour == "silent":
        assert "no answer" in res.reason
        assert res.stats.retries >= 1 and res.stats.timeouts >= 1
    else:
        assert "malformed" in res.reason or "truncated" in res.reason or "bad" in res.reason


def test_toobig_lowers_max_repetitions_and_reads_everything(profiles: ProfileSet) -> None:
    with FaultyAgent("toobig").running() as agent:
        res = poll(agent, profiles, max_repetitions=40)
    assert res.state == "up", res.reason
    assert res.max_repetitions <= agent.max_reps
    assert len([r for r in res.readings if r.metric.endswith("oper_status")]) == 100


def test_endless_table_stops_at_the_budget_and_keeps_what_it_read(
        profiles: ProfileSet) -> None:
    with FaultyAgent("endless").running() as agent:
        res = poll(agent, profiles, budget=1.0)
    assert res.state == "partial"
    # whichever bound comes first on this machine: the time budget or the row cap
    assert "budget" in res.reason or "rows under" in res.reason, res.reason
    assert res.facts["sys_name"] == "faulty"
    assert any(r.metric.endswith("received_bytes_total") for r in res.readings)


def test_endless_table_stops_at_max_rows() -> None:
    async def walk() -> object:
        with FaultyAgent("endless").running() as agent:
            async with SnmpSession(target(agent)) as s:
                return await s.walk_columns([IF_OPER], max_rows=300)

    result = asyncio.run(walk())
    assert len(result.rows[IF_OPER]) == 300  # type: ignore[attr-defined]
    assert "more than 300 rows" in result.partial  # type: ignore[attr-defined]


def test_backwards_oids_stop_the_walk(profiles: ProfileSet) -> None:
    with FaultyAgent("backwards").running() as agent:
        res = poll(agent, profiles)
        with pytest.raises(SnmpProtocolError, match="non-increasing"):
            async def walk() -> None:
                async with SnmpSession(target(agent)) as s:
                    await s.walk(IF_OPER)
            asyncio.run(walk())
    assert res.state == "partial" and "non-increasing" in res.reason


def test_slow_agent_is_retried_then_read(profiles: ProfileSet) -> None:
    with FaultyAgent("ok").running() as agent:
        agent.delay, agent.slow_requests = 0.25, 1
        res = poll(agent, profiles, timeout=0.15, retries=3)
    # the answer to the first try arrives during the retry: counted, and read
    assert res.state == "up", res.reason
    assert res.stats.retries >= 1


def test_one_bad_device_does_not_hold_up_the_others(agent: Snmpd,
                                                    profiles: ProfileSet) -> None:
    with FaultyAgent("silent").running() as silent, FaultyAgent("garbage").running() as bad:
        specs = [DeviceSpec("silent", target(silent, timeout=1.0, retries=1)),
                 DeviceSpec("garbage", target(bad)),
                 DeviceSpec("snmpd", agent_target(agent))]
        results = {r.device: r for r in asyncio.run(poll_many(specs, profiles))}
    assert results["snmpd"].state == "up"
    assert results["snmpd"].duration < 1.5  # not serialised behind the silent one
    assert results["silent"].state == "down" and results["garbage"].state == "down"
