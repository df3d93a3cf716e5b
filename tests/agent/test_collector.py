"""A real collector (``muniops serve`` in its own process) and real ``muniops-agent``
processes on loopback, on SQLite and on PostgreSQL: enrollment, delivery, matching to the
register, discovered hosts, hardware change events, refusals, revocation, policies."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from muniops.agent.spool import Spool
from muniops.lab.agents import CollectorProcess, agent_argv, run_agent
from tests.conftest import Cli

POLICY = """agents:
  max_report_bytes: 300000
  software:
    deny: ["nmap*"]
"""


def _physical_mac() -> str:
    links = json.loads(subprocess.run(["ip", "-j", "link"], capture_output=True, text=True,
                                      check=True).stdout)
    for link in links:
        if Path(f"/sys/class/net/{link['ifname']}/device").exists():
            return str(link["address"])
    pytest.fail("no physical network interface on this machine")


def _json(cli: Cli, *args: str) -> Any:
    return cli.ok(*args, "--json").json()


def _post(url: str, token: str, body: bytes) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(url + "/api/v1/agents/reports", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _variant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The agent's real report with another UUID and the given sections changed."""
    return {**base, "report_id": str(uuid.uuid4()), **changes}


@pytest.fixture
def collector(cli: Cli) -> CollectorProcess:
    """The CLI runs in this process (fast); the collector in its own, on the same store."""
    with cli.config.open("a") as fh:
        fh.write(POLICY)
    cli.ok("init")
    cli.ok("sites", "add", "City Hall", "--district", "Center")
    return CollectorProcess(cli.config)


def _enroll(cli: Cli, c: CollectorProcess, state: Path) -> str:
    secret = _json(cli, "agents", "enroll-secret", "City Hall")["secret"]
    # "--as-new-host": several hosts are simulated on this one machine
    done = run_agent(state, "enroll", "--server", c.url, "--as-new-host",
                     env={"MUNIOPS_AGENT_SECRET": secret})
    assert done.returncode == 0, done.stderr
    assert secret not in done.stdout
    creds = json.loads((state / "credentials.json").read_text())
    assert (state / "credentials.json").stat().st_mode & 0o777 == 0o600
    return str(creds["token"])


def test_agents_report_into_the_register(collector: CollectorProcess, cli: Cli,
                                         tmp_path: Path) -> None:
    c = collector
    mac = _physical_mac()
    cli.ok("assets", "add", "pc", "--tag", "MUN-PC-1", "--mac", mac, "--site", "City Hall")
    with c:
        # this machine's agent: matched to the registered asset by its MAC
        a1 = tmp_path / "a1"
        _enroll(cli, c, a1)
        sent = run_agent(a1, "send")
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["accepted"] == 1
        host = _json(cli, "host", "show", "MUN-PC-1")
        meminfo = Path("/proc/meminfo").read_text().split()
        assert host["facts"]["memory"]["total_bytes"] == int(meminfo[1]) * 1024
        assert host["facts"]["software_count"] == len(host["software"]) > 100
        assert len(_json(cli, "assets", "list")) == 1  # no new asset: matched by MAC

        # a second host, unknown to the register: a discovered asset
        a2 = tmp_path / "a2"
        token = _enroll(cli, c, a2)
        base = json.loads(run_agent(a2, "inventory", "--print").stdout)
        ident = {**base["identity"], "hostname": "ws-017", "serial": "SN-NEW-1"}
        mods = [{"slot": "DIMM A", "size_bytes": 8 * 2**30, "serial": "AAA111"}]
        first = _variant(base, host={"hostname": "ws-017"}, identity=ident, network=[],
                         memory={"total_bytes": 8 * 2**30, "modules": mods})
        Spool(a2 / "spool").put(first)
        assert run_agent(a2, "flush").returncode == 0
        new = _json(cli, "assets", "show", "SN-NEW-1")
        assert new["status"] == "discovered" and new["hostname"] == "ws-017"
        assert new["site"] == "City Hall"

        # a module swapped and a disk replaced: change events on the asset
        later = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
        swapped = [{"slot": "DIMM A", "size_bytes": 16 * 2**30, "serial": "BBB222"}]
        disks = [{**base["disks"][0], "serial": "NEWDISK-9"}]
        Spool(a2 / "spool").put(_variant(
            first, created_at=later, disks=disks,
            memory={"total_bytes": 16 * 2**30, "modules": swapped}))
        assert run_agent(a2, "flush").returncode == 0
        history = _json(cli, "host", "show", "SN-NEW-1")["history"]
        change = next(h for h in history if h["action"] == "asset.hardware_change")
        assert change["changes"]["memory_modules"] == [["DIMM A 8589934592 AAA111"],
                                                       ["DIMM A 17179869184 BBB222"]]
        assert "NEWDISK-9" in change["changes"]["disks"][1][0]
        assert change["actor"] == "agent:ws-017"

        # a malformed report: 400 naming the field; the agent sets it aside
        bad = _variant(first, software=[{"name": "ok"}, {"name": ""}])
        Spool(a2 / "spool").put(bad)
        out = json.loads(run_agent(a2, "flush").stdout)
        assert out["rejected"] == 1 and out["pending"] == 0
        (reason,) = (a2 / "spool/rejected").glob("*.reason")
        assert "software.1.name" in reason.read_text()
        status, answer = _post(c.url, token, gzip.compress(json.dumps(
            _variant(first, schema_version=99)).encode()))
        assert (status, answer["field"]) == (400, "schema_version")
        assert c.metric('muniops_agent_reports_rejected_total{reason="malformed"}') == 1
        status, answer = _post(c.url, token, b"\x1f\x8b" + b"\x00" * 400_000)
        assert status == 413

        # the same report twice: applied once
        again = gzip.compress(json.dumps(_variant(first)).encode())
        before = {a["hostname"]: a["reports"] for a in _json(cli, "agents")}
        assert _post(c.url, token, again)[1]["status"] == "accepted"
        assert _post(c.url, token, again)[1]["status"] == "duplicate"
        after = {a["hostname"]: a["reports"] for a in _json(cli, "agents")}
        assert after["ws-017"] == before["ws-017"] + 1

        # policies from the config: software deny list, antivirus compliance
        flagged = _json(cli, "software", "--flagged")
        if any(p["name"].startswith("nmap") for p in base["software"]):
            assert {"MUN-PC-1", "SN-NEW-1"} <= {f["asset"] for f in flagged}
        fresh = {"state": "found", "products": [{
            "product": "ClamAV", "enabled": True, "realtime": False,
            "signature_time": datetime.now(UTC).isoformat()}]}
        stale = {"state": "found", "products": [{
            "product": "ClamAV", "enabled": True, "realtime": False,
            "signature_time": (datetime.now(UTC) - timedelta(days=9)).isoformat()}]}
        Spool(a2 / "spool").put(_variant(first, antivirus=stale,
                                         created_at=(datetime.now(UTC) + timedelta(seconds=9))
                                         .isoformat()))
        assert run_agent(a2, "flush").returncode == 0
        av = _json(cli, "av", "--all")
        row = next(r for r in av["rows"] if r["asset"] == "SN-NEW-1")
        assert not row["compliant"] and "9 days old" in row["reasons"][0]
        Spool(a2 / "spool").put(_variant(first, antivirus=fresh,
                                         created_at=(datetime.now(UTC) + timedelta(seconds=12))
                                         .isoformat()))
        assert run_agent(a2, "flush").returncode == 0
        row = next(r for r in _json(cli, "av", "--all")["rows"] if r["asset"] == "SN-NEW-1")
        assert row["compliant"], row
        assert c.metric('muniops_antivirus_hosts{state="compliant"}') >= 1

        # the daemon: a full inventory soon after start, heartbeats on their interval
        seen = {a["hostname"]: a["reports"] for a in _json(cli, "agents")}
        daemon = subprocess.Popen(agent_argv(a1, "run", "--heartbeat-every", "0.5",
                                             "--inventory-every", "3600", "--jitter", "0.2"),
                                  stderr=subprocess.PIPE, text=True)
        def ours() -> dict[str, Any]:
            return next(a for a in _json(cli, "agents") if a["hostname"] != "ws-017")

        deadline = time.monotonic() + 60
        while ours()["reports"] < seen[ours()["hostname"]] + 3:  # 1 full + 2 heartbeats
            assert time.monotonic() < deadline, "the daemon did not report"
            time.sleep(0.5)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0, daemon.stderr.read() if daemon.stderr else ""
        full_at = datetime.fromisoformat(ours()["last_full_at"])
        assert full_at > datetime.fromisoformat(host["reported_at"])  # a new full inventory
        assert json.loads(run_agent(a1, "status").stdout)["pending"] == []

        # the fleet views over the API, for a viewer's token
        viewer = cli.ok("tokens", "create", "dash", "--role", "viewer", "--json").json()
        req = urllib.request.Request(c.url + "/api/v1/agents/antivirus", headers={
            "Authorization": f"Bearer {viewer['token']}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            api_rows = json.loads(r.read())
        assert {r["asset"] for r in api_rows} == {"MUN-PC-1", "SN-NEW-1"}
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(c.url + "/api/v1/agents", timeout=30)
        assert denied.value.code == 401

        # a revoked token: refused, and the report stays in the spool
        cli.ok("agents", "revoke", "ws-017")
        refused = run_agent(a2, "send", "--kind", "heartbeat")
        assert refused.returncode == 4
        assert len(json.loads(run_agent(a2, "status").stdout)["pending"]) == 1
        states = {a["hostname"]: a["state"] for a in _json(cli, "agents")}
        assert states.pop("ws-017") == "revoked"
        assert list(states.values()) == ["active"]
        log = c.log.read_text(errors="replace")
        assert token not in log
