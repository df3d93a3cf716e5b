"""The endpoint agent against Debian's endpoint inventory agents, and the collector's ingest.

1. One inventory run, wall time and peak RSS (the whole process tree, sampled every 5 ms):
   ``muniops-agent inventory --print`` vs ``fusioninventory-inventory`` (local XML) and
   ``ocsinventory-agent --local`` — median of RUNS runs each, in the same run.
2. Steady RSS of the daemon (``muniops-agent run`` delivering heartbeats to a collector) vs
   ``prometheus-node-exporter`` being scraped.
3. What each reports that the others miss, by section, from the same runs' outputs.
4. Ingest: reports per second one collector (``muniops serve`` and its ingest workers:
   ``MUNIOPS_AGENTS__INGEST_WORKERS=0`` for none) accepts from AGENTS simulated agents
   (each enrolled, each sending one full report of this machine renamed, then
   heartbeats), on SQLite and on PostgreSQL, with p50/p99 latency per request and the
   CPU-ms per report of the collector's processes and of PostgreSQL.
5. ``--heartbeats``: only heartbeats, the agent's own (``inventory --kind heartbeat``),
   EACH per agent round after round, from keep-alive connections (``bench/http_load.py``),
   with the collector's CPU (and PostgreSQL's) and the load generator's own per heartbeat.

``python -m bench.agent [--agents N] [--no-ingest] [--heartbeats [--each N] [--backend B]]``"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from bench import http_load
from muniops.lab import postgres
from muniops.lab.agents import CollectorProcess, agent_argv, run_agent, write_config
from muniops.lab.net import free_port, tcp_open, wait_until

RUNS = 3
CONCURRENCY = 32
HEARTBEATS_EACH = 2

# our report's sections, and the XML sections of FusionInventory/OCS that say the same
SECTIONS = {
    "identity": ["HARDWARE", "BIOS"], "os": ["OPERATINGSYSTEM"], "cpu": ["CPUS"],
    "memory": ["MEMORIES"], "disks": ["STORAGES"], "filesystems": ["DRIVES"],
    "network": ["NETWORKS"], "users": ["USERS"], "software": ["SOFTWARES"],
    "antivirus": ["ANTIVIRUS"], "local_users": ["LOCAL_USERS"],
    "local_groups": ["LOCAL_GROUPS"], "processes": ["PROCESSES"],
    "controllers": ["CONTROLLERS"], "repositories": ["REPOSITORY"],
    "health": [], "agent_version": ["VERSIONCLIENT"], "created_at": ["ACCESSLOG"],
    "firewall": ["FIREWALL"], "agent": ["VERSIONPROVIDER"],
}


def measure(argv: list[str], stdout: Any = subprocess.DEVNULL,
            cwd: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of a command and all its children."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL, cwd=cwd)
    peak = 0
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            tree = [ps, *ps.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.005)
    return time.perf_counter() - t0, peak


def _median_run(argv: list[str], out: Path | None = None,
                cwd: Path | None = None) -> tuple[float, int]:
    times, peaks = [], []
    for _ in range(RUNS):
        if out is not None:
            with out.open("wb") as fh:
                t, p = measure(argv, fh, cwd)
        else:
            t, p = measure(argv, cwd=cwd)
        times.append(t)
        peaks.append(p)
    return statistics.median(times), max(peaks)


def _mib(n: float) -> str:
    return f"{n / 2**20:6.1f} MiB"


def _sections_xml(path: Path) -> set[str]:
    content = ET.parse(path).getroot().find("CONTENT")
    return {child.tag for child in content} if content is not None else set()


def _ours_sections(report: dict[str, Any]) -> set[str]:
    have = {k for k in SECTIONS if report.get(k) not in (None, [], {})}
    if not (report.get("memory") or {}).get("modules"):
        have.discard("memory")  # MEMORIES are modules; the total is in HARDWARE
    return have


def inventory_runs(tmp: Path) -> None:
    print("1. one inventory run (median of 3; peak RSS of the process tree)")
    ours_out = tmp / "ours.json"
    ours = _median_run(agent_argv(tmp / "state", "inventory", "--print"), ours_out)
    fusion_out = tmp / "fusion.xml"
    fusion = _median_run(["fusioninventory-inventory"], fusion_out)
    ocs_dir = tmp / "ocs"
    ocs_dir.mkdir()
    ocs = _median_run(["ocsinventory-agent", f"--local={ocs_dir}"])
    print(f"   {'':28} {'wall':>8} {'peak RSS':>11}  {'ours/them time':>14} {'RSS':>6}")
    print(f"   {'muniops-agent':28} {ours[0]:7.2f}s {_mib(ours[1])}")
    for name, them in (("fusioninventory-inventory", fusion), ("ocsinventory-agent --local",
                                                               ocs)):
        print(f"   {name:28} {them[0]:7.2f}s {_mib(them[1])}  {ours[0] / them[0]:14.2f} "
              f"{ours[1] / them[1]:6.2f}")

    print("\n3. sections each reports (✓) on this machine")
    report = json.loads(ours_out.read_text())
    have = _ours_sections(report)
    fusion_tags = _sections_xml(fusion_out)
    ocs_tags = _sections_xml(next(ocs_dir.glob("*.ocs")))
    mapped = {t for s in have for t in SECTIONS[s]}
    for tag in sorted(fusion_tags | ocs_tags | mapped):
        ours_has = "✓" if tag in mapped else "-"
        print(f"   {tag:16} ours {ours_has}  fusion {'✓' if tag in fusion_tags else '-'}  "
              f"ocs {'✓' if tag in ocs_tags else '-'}")
    extra = sorted(s for s in have if not set(SECTIONS[s]) & (fusion_tags | ocs_tags))
    missing = sorted((fusion_tags | ocs_tags) - mapped)
    print(f"   only ours: {', '.join(extra) or '-'}")
    print(f"   theirs, not ours: {', '.join(missing) or '-'}")


def _rss_over(pid: int, seconds: float, scrape: str | None = None) -> float:
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if scrape:
            urllib.request.urlopen(scrape, timeout=10).read()
        samples.append(psutil.Process(pid).memory_info().rss)
        time.sleep(0.5)
    return statistics.median(samples)


def steady_rss(tmp: Path) -> None:
    print("\n2. steady RSS of the daemon")
    collector = CollectorProcess(write_config(tmp / "collector"))
    collector.cli("init")
    collector.cli("sites", "add", "Bench")
    secret = json.loads(collector.cli("agents", "enroll-secret", "Bench", "--json").stdout)
    with collector:
        state = tmp / "daemon"
        run_agent(state, "enroll", "--server", collector.url, "--secret", secret["secret"])
        daemon = subprocess.Popen(agent_argv(state, "run", "--heartbeat-every", "1",
                                             "--inventory-every", "6"),
                                  stderr=subprocess.DEVNULL)
        time.sleep(8)  # the first full inventory and a few heartbeats have gone out
        ours = _rss_over(daemon.pid, 8)
        daemon.terminate()
        daemon.wait(30)
    port = free_port()
    exporter = subprocess.Popen(["prometheus-node-exporter", f"--web.listen-address="
                                 f"127.0.0.1:{port}", "--no-collector.systemd"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: tcp_open(port), what="node exporter")
        theirs = _rss_over(exporter.pid, 8, f"http://127.0.0.1:{port}/metrics")
    finally:
        exporter.terminate()
        exporter.wait(30)
    print(f"   muniops-agent run          {_mib(ours)}")
    print(f"   prometheus-node-exporter   {_mib(theirs)}   ours/them {ours / theirs:.2f}")


# ---- ingest -------------------------------------------------------------------------------

def _post(url: str, body: bytes, token: str) -> float:
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Encoding": "gzip",
        "Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        answer = json.loads(r.read())
    assert answer["status"] == "accepted", answer
    return time.perf_counter() - t0


def _enrolled(collector: CollectorProcess, secret: str, agents: int) -> list[str]:
    """The tokens of AGENTS agents ``pc-00000``…, enrolled CONCURRENCY at a time."""
    with cf.ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(lambda i: collector.enroll(secret, f"pc-{i:05d}")["token"],
                             range(agents)))


def _fleet_reports(base: dict[str, Any], n: int) -> list[tuple[bytes, list[bytes]]]:
    out = []
    for i in range(n):
        name = f"pc-{i:05d}"
        full = {**base, "report_id": str(uuid.uuid4()), "host": {"hostname": name},
                "identity": {**base["identity"], "hostname": name, "serial": f"BENCH-{i:05d}",
                             "smbios_uuid": str(uuid.uuid4())},
                "network": [{"name": "eth0", "mac": f"02:00:00:{i >> 16 & 255:02x}:"
                             f"{i >> 8 & 255:02x}:{i & 255:02x}", "up": True,
                             "physical": True, "addresses": []}]}
        beats = [gzip.compress(json.dumps({**base, "kind": "heartbeat",
                                           "report_id": str(uuid.uuid4()),
                                           "host": {"hostname": name},
                                           **{k: None for k in SECTIONS if k in base
                                              and k not in ("health", "agent_version",
                                                            "created_at")}}).encode())
                 for _ in range(HEARTBEATS_EACH)]
        out.append((gzip.compress(json.dumps(full).encode()), beats))
    return out


def _phase(url: str, jobs: list[tuple[bytes, str]]) -> tuple[float, list[float]]:
    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(CONCURRENCY) as pool:
        latencies = list(pool.map(lambda j: _post(url, *j), jobs))
    return len(jobs) / (time.perf_counter() - t0), sorted(latencies)


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def ingest(tmp: Path, agents: int, backend: str, db_url: str | None) -> None:
    collector = CollectorProcess(write_config(tmp / backend, db_url))
    collector.cli("init")
    collector.cli("sites", "add", "Bench")
    secret = json.loads(collector.cli("agents", "enroll-secret", "Bench", "--json").stdout)
    base = json.loads(run_agent(tmp / "state", "inventory", "--print").stdout)
    reports = _fleet_reports(base, agents)
    with collector:
        tokens = _enrolled(collector, secret["secret"], agents)
        url = collector.url + "/api/v1/agents/reports"
        assert collector.proc is not None
        server, pg = [psutil.Process(collector.proc.pid)], _postgres_of(db_url)
        cpu0, pg0 = tree_cpu(server), tree_cpu(pg)  # the tree: the ingest workers too
        full_rate, full_lat = _phase(url, [(r[0], t) for r, t in zip(reports, tokens,
                                                                     strict=True)])
        cpu1, pg1 = tree_cpu(server), tree_cpu(pg)
        beats = [(b, t) for r, t in zip(reports, tokens, strict=True) for b in r[1]]
        beat_rate, beat_lat = _phase(url, beats)
        cpu2 = tree_cpu(server)
        workers = len(collector.ingest_workers())
    size = statistics.mean(len(r[0]) for r in reports) / 1024
    # the collector's own CPU per report (its processes): what a busy machine changes least
    full_cpu, beat_cpu = (cpu1 - cpu0) / len(reports) * 1000, (cpu2 - cpu1) / len(beats) * 1000
    store = f" + postgres {(pg1 - pg0) / len(reports) * 1000:4.1f}" if pg else ""
    print(f"   {backend:10} full ({len(base['software'])} packages, {size:.0f} KiB gz, "
          f"{workers} ingest workers): {full_rate:6.1f}/s  p50 {_pct(full_lat, .5):6.0f} ms  "
          f"p99 {_pct(full_lat, .99):6.0f} ms  {full_cpu:5.1f}{store} CPU-ms each | "
          f"heartbeats: {beat_rate:6.1f}/s  p50 {_pct(beat_lat, .5):5.0f} ms  p99 "
          f"{_pct(beat_lat, .99):5.0f} ms  {beat_cpu:5.1f} CPU-ms each")


def tree_cpu(procs: list[psutil.Process]) -> float:
    """CPU seconds of processes and their children (PostgreSQL's backends come and go)."""
    total = 0.0
    for proc in procs:
        try:
            tree = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            continue
        for p in tree:
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            total += t.user + t.system
    return total


def _postgres_of(db_url: str | None) -> list[psutil.Process]:
    if db_url is None:
        return []
    port = db_url.rsplit(":", 1)[1].split("/", 1)[0]
    return [p for p in psutil.process_iter(["cmdline"])
            if f"-p {port}" in " ".join(p.info["cmdline"] or [])]


def heartbeats(tmp: Path, agents: int, each: int, backend: str, db_url: str | None) -> None:
    """AGENTS enrolled agents, each with an asset (one small full report), then EACH
    heartbeats per agent, agent after agent, CONCURRENCY at a time."""
    collector = CollectorProcess(write_config(tmp / f"hb-{backend}", db_url))
    collector.cli("init")
    collector.cli("sites", "add", "Bench")
    secret = json.loads(collector.cli("agents", "enroll-secret", "Bench", "--json").stdout)
    beat = json.loads(run_agent(tmp / "state", "inventory", "--kind", "heartbeat",
                                "--print").stdout)
    full = json.loads(run_agent(tmp / "state", "inventory", "--print").stdout)
    full.update(software=None, processes=None)  # the asset is what counts here
    path = "/api/v1/agents/reports"
    with collector:
        tokens = _enrolled(collector, secret["secret"], agents)

        def request(doc: dict[str, Any], i: int) -> bytes:
            name = f"pc-{i:05d}"
            body = {**doc, "report_id": str(uuid.uuid4()), "host": {"hostname": name}}
            if "identity" in body:
                body["identity"] = {**body["identity"], "hostname": name,
                                    "serial": f"BENCH-{i:05d}",
                                    "smbios_uuid": str(uuid.uuid4())}
            return http_load.post_request(
                "127.0.0.1", collector.port, path, gzip.compress(json.dumps(body).encode()),
                [("Authorization", f"Bearer {tokens[i]}"), ("Content-Encoding", "gzip"),
                 ("Content-Type", "application/json")])

        first = http_load.run("127.0.0.1", collector.port,
                              [request(full, i) for i in range(agents)], CONCURRENCY)
        assert not first.failures, first.failures[:3]
        print("   (each agent has its asset: timing the heartbeats)", file=sys.stderr, flush=True)
        beats = [request(beat, i) for _ in range(each) for i in range(agents)]
        assert collector.proc is not None
        server = [psutil.Process(collector.proc.pid)]
        pg = _postgres_of(db_url)
        cpu0, pg0 = tree_cpu(server), tree_cpu(pg)
        load = http_load.run("127.0.0.1", collector.port, beats, CONCURRENCY)
        cpu, pg_cpu = tree_cpu(server) - cpu0, tree_cpu(pg) - pg0
    if load.failures:
        print(f"   {len(load.failures)} heartbeats not accepted, e.g. {load.failures[:2]}")
    n = len(beats)
    store = f"  postgres {pg_cpu / n * 1000:4.2f}" if pg else ""
    print(f"   {backend:10} heartbeats: {load.rate:7.1f}/s  p50 {load.pct(.5):5.0f} ms  "
          f"p99 {load.pct(.99):5.0f} ms  CPU-ms each: collector {cpu / n * 1000:4.2f}{store}"
          f"  load generator {load.cpu_seconds / n * 1000:4.2f} "
          f"({load.cpu_seconds / load.wall_seconds * 100:3.0f}% of a core)")


@contextmanager
def _postgres() -> Iterator[str | None]:
    if not postgres.available():
        yield None
        return
    with postgres.running_postgres() as base:
        yield postgres.create_database(base, "bench_agents")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.agent")
    parser.add_argument("--agents", type=int, default=int(os.environ.get("BENCH_AGENTS", 1000)))
    parser.add_argument("--no-ingest", action="store_true")
    parser.add_argument("--heartbeats", action="store_true",
                        help="only the heartbeat ingest (part 5)")
    parser.add_argument("--each", type=int, default=10, help="heartbeats per agent")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv if argv is not None else [])
    with tempfile.TemporaryDirectory(prefix="bench-agent-") as name:
        tmp = Path(name)
        if args.heartbeats:
            print(f"5. heartbeats: {args.agents} simulated agents, {CONCURRENCY} keep-alive "
                  f"connections, {args.each} heartbeats each")
            if args.backend in ("sqlite", "both"):
                heartbeats(tmp, args.agents, args.each, "sqlite", None)
            if args.backend in ("postgresql", "both"):
                with _postgres() as pg_url:
                    if pg_url is not None:
                        heartbeats(tmp, args.agents, args.each, "postgresql", pg_url)
            return
        inventory_runs(tmp)
        steady_rss(tmp)
        if args.no_ingest:
            return
        print(f"\n4. ingest: {args.agents} simulated agents, {CONCURRENCY} at a time, "
              f"1 full report + {HEARTBEATS_EACH} heartbeats each")
        ingest(tmp, args.agents, "sqlite", None)
        with _postgres() as pg_url:
            if pg_url is None:
                print("   postgresql: server binaries not installed, skipped")
            else:
                ingest(tmp, args.agents, "postgresql", pg_url)


if __name__ == "__main__":
    main(sys.argv[1:])
