"""A central and two districts in network namespaces joined by veth "WAN links": the
central serves HTTPS on its link addresses; each district collector and its agents live
in their own namespace. North's link is cut for several forward intervals while its
agents keep reporting; south goes on being applied. When the link is back, every report
of both districts is applied at the central once, in each agent's order."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import col, select

from muniops.inventory.db import Database
from muniops.inventory.models import Agent, AgentReport, DistrictCollector
from muniops.lab import netns
from muniops.lab.agents import BIN
from muniops.lab.district import NetnsCollector, make_central, make_district
from muniops.lab.net import free_port

pytestmark = pytest.mark.skipif(
    not netns.available(), reason="network namespaces need root and iproute2 (CI runs as root)")

LINKS = {"north": ("198.18.30.1", "198.18.30.2"), "south": ("198.18.30.5", "198.18.30.6")}
AGENTS_EACH, BEFORE, DURING, AFTER = 1, 5, 10, 3


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def wan() -> Iterator[dict[str, str]]:
    tag = str(os.getpid() % 100000)
    names = {"central": f"mwc{tag}", "north": f"mwn{tag}", "south": f"mws{tag}"}
    try:
        for ns in names.values():
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        for district, (here, there) in LINKS.items():
            end = f"w{district[0]}"
            _ip("-n", names["central"], "link", "add", end, "type", "veth", "peer", "name",
                "wan0", "netns", names[district])
            _ip("-n", names["central"], "addr", "add", f"{here}/30", "dev", end)
            _ip("-n", names["central"], "link", "set", end, "up")
            _ip("-n", names[district], "addr", "add", f"{there}/30", "dev", "wan0")
            _ip("-n", names[district], "link", "set", "wan0", "up")
        yield names
    finally:
        for ns in names.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _agent(ns: str, state: Path, *args: str) -> dict[str, object]:
    done = subprocess.run(["ip", "netns", "exec", ns, str(BIN / "muniops-agent"),
                           "--state-dir", str(state), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out: dict[str, object] = json.loads(done.stdout)
    return out


def _report(ns: str, state: Path, count: int) -> list[str]:
    spooled = _agent(ns, state, "send", "--kind", "heartbeat", "--count", str(count),
                     "--spool-only")["spooled"]
    assert _agent(ns, state, "flush")["pending"] == 0  # the district accepted them all
    assert isinstance(spooled, list)
    return [str(x) for x in spooled]


def _at_central(db: Database, district: str) -> int:
    with db.read() as s:
        found = s.exec(select(DistrictCollector)
                       .where(DistrictCollector.name == district)).first()
        return 0 if found is None else found.items_applied


def _wait(what: str, check: object, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_cut_link_delays_but_loses_nothing(wan: dict[str, str], tmp_path: Path) -> None:
    central = make_central(tmp_path / "central", hosts=tuple(h for h, _ in LINKS.values()))
    port = free_port()
    central.process = NetnsCollector(  # type: ignore[assignment]
        central.config, wan["central"], f"0.0.0.0:{port}",
        f"https://{LINKS['north'][0]}:{port}/healthz", central.ca)
    districts, agents = {}, {}
    sent: dict[str, list[str]] = {}
    uid_of: dict[Path, str] = {}
    for name, (here, _there) in LINKS.items():
        secret = central.secret_for(f"{name.title()} Office", name)
        d = make_district(tmp_path / name, central, name, secret, site=f"{name.title()} Office",
                          district=name, batch_size=20, central_url=f"https://{here}:{port}")
        dport = free_port()
        d.process = NetnsCollector(d.config, wan[name], f"127.0.0.1:{dport}",
                                   f"http://127.0.0.1:{dport}/healthz")
        districts[name] = d
    db = Database(central.database_url)
    try:
        with ThreadPoolExecutor(3) as starting:  # the three start side by side
            for started in [starting.submit(p.start, 120) for p in
                            (central.process, *(d.process for d in districts.values()))]:
                started.result()
        for name, d in districts.items():
            agents[name] = [tmp_path / f"{name}-agent{i}" for i in range(AGENTS_EACH)]
            for state in agents[name]:
                uid_of[state] = str(_agent(wan[name], state, "enroll", "--server",
                                           d.process.url, "--as-new-host", "--secret",
                                           d.agent_secret)["agent_id"])
                sent[uid_of[state]] = _report(wan[name], state, BEFORE)
        _wait("the first reports", lambda: all(
            _at_central(db, n) == AGENTS_EACH * BEFORE for n in LINKS))

        _ip("-n", wan["central"], "link", "set", "wn", "down")  # north's WAN link is cut
        for name in LINKS:  # both districts' agents keep reporting to their collector
            for state in agents[name]:
                sent[uid_of[state]] += _report(wan[name], state, DURING)
        _wait("south's reports during the cut", lambda: _at_central(
            db, "south") == AGENTS_EACH * (BEFORE + DURING))
        time.sleep(3)  # several forward intervals (1 s) with north cut off
        assert _at_central(db, "north") == AGENTS_EACH * BEFORE
        assert "not reached" in districts["north"].process.log.read_text()

        _ip("-n", wan["central"], "link", "set", "wn", "up")  # the link is back
        for name in LINKS:
            for state in agents[name]:
                sent[uid_of[state]] += _report(wan[name], state, AFTER)
        total = AGENTS_EACH * (BEFORE + DURING + AFTER)
        _wait("every report after the cut",
              lambda: all(_at_central(db, n) == total for n in LINKS))
        time.sleep(2)  # a late duplicate would land now
        with db.read() as s:
            for uid, report_ids in sent.items():
                agent = s.exec(select(Agent).where(Agent.uid == uid)).one()
                arrived = s.exec(select(AgentReport.report_id)
                                 .where(AgentReport.agent_id == agent.id)
                                 .order_by(col(AgentReport.id))).all()
                assert list(arrived) == report_ids  # once each, in the agent's order
        assert all(_at_central(db, n) == total for n in LINKS)
    finally:
        for d in districts.values():
            d.process.stop()
        central.process.stop()
        db.dispose()
