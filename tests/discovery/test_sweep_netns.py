"""Discovery end to end on a network of Linux namespaces made by the test: a bridge, a
scanner, registered hosts, one stranger, and a router to a second (routed) subnet.

The sweep runs as ``muniops discover run`` inside the scanner's namespace (``ip netns
exec``); every address is from 198.18.0.0/15 and no namespace has a default route or any
link but the lab's own, so no packet leaves them. The store is SQLite in a temp dir (a
namespace cannot reach the PostgreSQL fixture on the host's loopback); reconciliation on
PostgreSQL is tested in test_reconcile.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from muniops.collector.cli import output
from muniops.collector.cli.main import invoke
from muniops.lab import netns
from muniops.lab.netns import LabNet, lab_mac, links_of, namespace_lan, routes_of

pytestmark = pytest.mark.skipif(
    not netns.available(), reason="network namespaces need root and iproute2 (CI runs as root)")

DELL = "98:e7:43"  # an IEEE MA-L prefix (Dell Inc.), so vendor lookup is exercised
REGISTERED = [lab_mac(i, DELL) for i in (1, 2, 3)]
STRANGER = lab_mac(0x42)  # a locally administered MAC nobody registered
ROUTER_LAN_MAC = lab_mac(0xFFFE)
REMOTE = [lab_mac(0x100)]


@pytest.fixture(scope="module")
def lab() -> Iterator[LabNet]:
    with namespace_lan([*REGISTERED, STRANGER], lan="198.18.7.0/24",
                       remote="198.19.7.0/24", remote_macs=REMOTE) as net:
        yield net
    leftovers = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert net.prefix not in leftovers


class Muniops:
    def __init__(self, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.config = config
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = invoke(["--config", str(self.config), "--actor", "tester", *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 0, f"muniops {' '.join(args)} -> {code}: {err}"
        return out

    def in_namespace(self, lab: LabNet, *args: str) -> subprocess.CompletedProcess[str]:
        code = ("import sys; from muniops.collector.cli.main import invoke; "
                "sys.exit(invoke(sys.argv[1:]))")
        argv = [sys.executable, "-c", code, "--config", str(self.config), "--actor", "scanner",
                *args]
        return subprocess.run(lab.exec_argv(argv), capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).resolve().parents[2])


@pytest.fixture
def muniops(tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Muniops:
    monkeypatch.setattr(output.console, "width", 200)  # tables unwrapped under xdist too
    monkeypatch.delenv("MUNIOPS_DATABASE_URL", raising=False)
    config = tmp_path / "muniops.yaml"
    config.write_text(f"""
data_dir: {tmp_path / 'data'}
discovery:
  rate_pps: 1000
  budget_seconds: 30
  reply_timeout_seconds: 1.0
  sites:
    Lab:
      subnets:
        - cidr: 198.18.7.0/24
        - cidr: 198.19.7.0/24
""")
    m = Muniops(config, capsys)
    m.ok("init")
    m.ok("sites", "add", "Lab", "--district", "Test")
    for i, mac in enumerate(REGISTERED, start=1):
        m.ok("assets", "add", "pc", "--tag", f"LAB-{i}", "--mac", mac, "--site", "Lab",
             "--hostname", f"pc{i}")
    m.ok("assets", "add", "router", "--tag", "LAB-RT", "--mac", ROUTER_LAN_MAC, "--site", "Lab")
    return m


LAB_LINK = re.compile(r"^(lo|eth0|br0|p\d+|prt|q\d+)$")


def test_the_lab_is_sealed(lab: LabNet) -> None:
    """No default route and no link but the lab's own veths and bridges, in any namespace."""
    for ns in lab.namespaces:
        assert not [r for r in routes_of(ns) if r.startswith("default")], ns
        assert all(LAB_LINK.match(link) for link in links_of(ns)), (ns, links_of(ns))
        for route in routes_of(ns):
            assert route.split()[0].startswith(("198.18.", "198.19.")), (ns, route)


def test_sweep_finds_every_host_and_flags_the_stranger(lab: LabNet, muniops: Muniops) -> None:
    run = muniops.in_namespace(lab, "discover", "run", "--json")
    assert run.returncode == 0, run.stderr
    reports = {r["subnet"]: r for r in json.loads(run.stdout)}
    assert reports["198.18.7.0/24"]["method"] == "arp"
    assert reports["198.19.7.0/24"]["method"] == "icmp"
    assert all(r["complete"] and r["error"] is None for r in reports.values())

    # every host of the attached subnet, with the MAC it really has
    expected = {h.ip: h.mac for h in lab.hosts} | {"198.18.7.254": ROUTER_LAN_MAC}
    for ip, mac in expected.items():
        (where,) = json.loads(muniops.ok("locate", ip, "--json"))
        assert where["mac"] == mac, ip
        assert where["site"] == "Lab" and where["how"] == "arp_sweep"
    assert json.loads(muniops.ok("locate", REGISTERED[0], "--json"))[0]["vendor"] == "Dell Inc."
    assert json.loads(muniops.ok("locate", "pc2", "--json"))[0]["asset"] == "LAB-2"
    assert reports["198.18.7.0/24"]["answered"] == len(expected)

    # the routed subnet answers pings: the router and the remote host, IP only
    (remote,) = json.loads(muniops.ok("locate", lab.remote_hosts[0].ip, "--json"))
    assert remote["how"] == "icmp_echo" and remote["mac"] is None

    unknown = json.loads(muniops.ok("unknown", "--json"))
    assert [(u["mac"], u["ip"], u["site"], u["state"]) for u in unknown] == [
        (STRANGER, lab.hosts[-1].ip, "Lab", "unapproved")]
    assert "unapproved" in muniops.ok("unknown")

    # a technician registers the stranger: it is no longer flagged, on the next sweep too
    muniops.ok("assets", "add", "printer", "--tag", "LAB-PRN", "--mac", STRANGER)
    assert json.loads(muniops.ok("unknown", "--json")) == []
    again = muniops.in_namespace(lab, "discover", "run", "--site", "Lab", "--subnet",
                                 "198.18.7.0/25", "--json")
    assert again.returncode == 0, again.stderr
    (report,) = json.loads(again.stdout)
    assert report["subnet"] == "198.18.7.0/25"
    assert report["new_unknown"] == 0 and report["matched"] == len(expected) - 1  # no .254
    assert json.loads(muniops.ok("unknown", "--json")) == []


def test_a_subnet_not_in_the_config_is_refused(muniops: Muniops) -> None:
    code, _out, err = muniops("discover", "run", "--subnet", "198.18.8.0/24")
    assert code == 5
    assert "198.18.8.0/24 is not within any subnet" in err and "refusing to sweep it" in err
    assert json.loads(muniops.ok("unknown", "--json")) == []
    code, _out, err = muniops("discover", "run", "--site", "Elsewhere")
    assert code == 5 and "'Elsewhere' is not listed in discovery.sites" in err
    code, _out, err = muniops("discover", "run", "--subnet", "198.18.6.0/23")
    assert code == 5 and "refusing" in err


def test_rate_and_budget_bound_a_run(lab: LabNet, muniops: Muniops, tmp_path: Path) -> None:
    slow = tmp_path / "slow.yaml"
    slow.write_text(muniops.config.read_text().replace("rate_pps: 1000", "rate_pps: 40")
                    .replace("budget_seconds: 30", "budget_seconds: 2"))
    run = Muniops(slow, muniops.capsys).in_namespace(lab, "discover", "run", "--json")
    assert run.returncode == 1  # the second subnet was not swept: the run says so
    first, second = json.loads(run.stdout)
    assert first["targets"] == 253 and 0 < first["probed"] <= 81 and not first["complete"]
    assert second["error"] == "time budget spent; not swept" and second["probed"] == 0
