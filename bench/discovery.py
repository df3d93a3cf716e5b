"""Sweeping a /24: ``muniops discover run`` beside Debian's ``nmap -sn``.

Both run in the scanner namespace of a network of Linux namespaces (muniops/lab/netns.py):
a bridge, 40 live hosts in 198.18.7.0/24, nothing else; no packet leaves the namespaces.
Ours: the whole command (process start, ARP sweep at 2,000 probes/s with a 1 s wait for
late answers, reconciliation into a SQLite store); also the sweep alone as it reports.
Reference: ``nmap -sn -n`` (ARP ping on a local Ethernet, no DNS), timed the same way.
Each is run REPEAT times; the medians are compared. Needs root."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from muniops.collector.cli.main import invoke
from muniops.lab.netns import LabNet, lab_mac, namespace_lan

HOSTS = int(os.environ.get("BENCH_HOSTS", 40))
REPEAT = int(os.environ.get("BENCH_REPEAT", 3))
LAN = "198.18.7.0/24"
ROOT = Path(__file__).resolve().parent.parent


def _ours(net: LabNet, config: Path) -> tuple[float, float, int]:
    code = ("import sys; from muniops.collector.cli.main import invoke; "
            "sys.exit(invoke(sys.argv[1:]))")
    argv = [sys.executable, "-c", code, "--config", str(config), "discover", "run", "--json"]
    started = time.monotonic()
    out = subprocess.run(net.exec_argv(argv), capture_output=True, text=True, check=True,
                         cwd=ROOT)
    wall = time.monotonic() - started
    (report,) = json.loads(out.stdout)
    return wall, report["duration_seconds"], report["answered"]


def _startup(net: LabNet) -> float:
    """What importing the muniops CLI alone costs (every feature's commands load)."""
    started = time.monotonic()
    subprocess.run(net.exec_argv([sys.executable, "-c", "import muniops.collector.cli.main"]),
                   check=True, cwd=ROOT)
    return time.monotonic() - started


def _nmap(net: LabNet) -> tuple[float, float, int]:
    started = time.monotonic()
    out = subprocess.run(net.exec_argv(["nmap", "-sn", "-n", LAN]), capture_output=True,
                         text=True, check=True)
    wall = time.monotonic() - started
    m = re.search(r"\((\d+) hosts? up\) scanned in ([\d.]+) seconds", out.stdout)
    if m is None:
        raise RuntimeError(f"unexpected nmap output: {out.stdout[-300:]}")
    return wall, float(m.group(2)), int(m.group(1))


def main() -> None:
    if os.geteuid() != 0:
        print("bench.discovery needs root (network namespaces); skipped")
        return
    with tempfile.TemporaryDirectory(prefix="muniops-bench-discovery-") as tmp:
        config = Path(tmp) / "muniops.yaml"
        config.write_text(f"""
data_dir: {tmp}/data
discovery:
  rate_pps: 2000
  reply_timeout_seconds: 1.0
  sites:
    Bench:
      subnets:
        - cidr: {LAN}
""")
        if invoke(["--config", str(config), "init"]):
            raise SystemExit("muniops init failed")
        with namespace_lan([lab_mac(i) for i in range(1, HOSTS + 1)], lan=LAN) as net:
            ours = [_ours(net, config) for _ in range(REPEAT)]
            theirs = [_nmap(net) for _ in range(REPEAT)]
            startup = statistics.median(_startup(net) for _ in range(REPEAT))
    live = HOSTS + 1  # the hosts and the scanner itself (nmap counts it; we skip our own)
    print(f"sweep of {LAN} with {HOSTS} live hosts, median of {REPEAT} runs")
    print(f"{'':32}{'muniops':>12}{'nmap -sn':>12}{'ratio':>8}")
    wall_o = statistics.median(w for w, _, _ in ours)
    wall_n = statistics.median(w for w, _, _ in theirs)
    sweep_o = statistics.median(s for _, s, _ in ours)
    sweep_n = statistics.median(s for _, s, _ in theirs)
    print(f"{'whole command, wall (s)':32}{wall_o:12.2f}{wall_n:12.2f}{wall_o / wall_n:8.2f}")
    print(f"{'  of which CLI import (s)':32}{startup:12.2f}")
    print(f"{'sweep as reported (s)':32}{sweep_o:12.2f}{sweep_n:12.2f}{sweep_o / sweep_n:8.2f}")
    print(f"{'hosts found (min)':32}{min(a for _, _, a in ours):12d}"
          f"{min(a for _, _, a in theirs):12d}   (expected {HOSTS} and {live})")


if __name__ == "__main__":
    main()
