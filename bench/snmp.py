"""SNMP polling beside the references, on the same targets in the same run.

1. A full walk of one Net-SNMP ``snmpd`` (v2c, GETBULK 50): ours (the BER fast path, and
   the pysnmp path for comparison) vs ``snmpbulkwalk -Cr50``. Medians of REPEAT runs.
2. IF-MIB of DEVICES_IF devices: ours (the shipped ``generic`` profile) vs Debian's
   ``prometheus-snmp-exporter`` (``if_mib`` module from bench/data, scraped with the same
   concurrency). Both read from one snmpd listening on one port per "device", in a
   network namespace holding 49 interfaces (lo + 24 veth pairs), so each device has 49.
3. One poll cycle of CYCLE_DEVICES such devices, 1 and 2 worker processes: wall time, our
   CPU, and the agent's CPU (it shares the 2 cores).
4. The RECORDINGS largest LibreNMS recordings (tests/fixtures/librenms) served by one
   snmpsim: one poll with every profile that matches (detection included) beside
   ``snmpbulkwalk -Cr25`` of the same columns (one walk per column, as Net-SNMP walks one
   subtree at a time) and ``snmpget`` of the same scalars. Goal: a poll no slower than
   1.5x the walk of what it reads.

Needs root for the namespace (parts 2 and 3); nothing leaves it."""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from pydantic import SecretStr

from muniops.collector.core.credentials import SnmpCommunity

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("BENCH_REPEAT", 3))
DEVICES_IF = int(os.environ.get("BENCH_SNMP_DEVICES", 100))
CYCLE_DEVICES = int(os.environ.get("BENCH_SNMP_CYCLE", 500))
INTERFACES = 49  # lo + 24 veth pairs
CONCURRENCY = 64
EXPORTER_CONFIG = ROOT / "bench" / "data" / "snmp_exporter_if_mib.yml"
NS = "muniops-bench-snmp"
RECORDINGS = int(os.environ.get("BENCH_SNMP_RECORDINGS", 5))


def v2c(community: str) -> SnmpCommunity:
    return SnmpCommunity(type="snmp_v2c", community=SecretStr(community))


def _row(label: str, seconds: float, items: int, unit: str) -> None:
    print(f"  {label:<44} {seconds:8.3f} s  {items:>9} {unit}  {items / seconds:>11,.0f} {unit}/s",
          flush=True)


def full_walk() -> None:
    from muniops.collector.snmp.session import SnmpSession, SnmpTarget
    from muniops.lab.snmpd import running_snmpd

    print("1. full walk of one snmpd (v2c, max-repetitions 50)")
    with running_snmpd() as agent:
        target = SnmpTarget("127.0.0.1", agent.port, v2c(agent.community), max_repetitions=50)

        async def walk(backend: str) -> int:
            async with SnmpSession(target, backend=backend) as s:
                return len(await s.walk("1.3.6.1"))

        def cpu() -> float:  # this process and its finished children (snmpbulkwalk)
            own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
                resource.RUSAGE_CHILDREN)
            return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

        def timed(fn: object) -> tuple[float, int, float]:
            runs, cpus = [], []
            for _ in range(max(REPEAT, 7)):  # short runs: more of them, on a shared machine
                c0, t0 = cpu(), time.perf_counter()
                n = fn()  # type: ignore[operator]
                runs.append(time.perf_counter() - t0)
                cpus.append(cpu() - c0)
            return statistics.median(runs), n, statistics.median(cpus)

        ref, ref_n, ref_cpu = timed(lambda: len(agent.tool("snmpbulkwalk", "-Oq", "-Cr50",
                                                           "1.3.6.1").splitlines()))
        ours, ours_n, ours_cpu = timed(lambda: asyncio.run(walk("auto")))
        t0 = time.perf_counter()
        slow_n = asyncio.run(walk("pysnmp"))
        slow = time.perf_counter() - t0
        _row("snmpbulkwalk -Cr50 (Net-SNMP, C)", ref, ref_n, "varbinds")
        _row("muniops session (BER fast path)", ours, ours_n, "varbinds")
        _row("muniops session via pysnmp (1 run)", slow, slow_n, "varbinds")
        print(f"  ratio ours/snmpbulkwalk: {ours / ref:.2f}x the time "
              f"(goal <= 1.5x); pysnmp path {slow / ref:.1f}x", flush=True)
        print(f"  client CPU: snmpbulkwalk {ref_cpu:.3f} s (process start included), "
              f"ours {ours_cpu:.3f} s", flush=True)


def _in_namespace() -> None:
    """Create the namespace with 48 interfaces and run parts 2 and 3 inside it."""
    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)

    subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    ip("netns", "add", NS)
    try:
        ip("-n", NS, "link", "set", "lo", "up")
        for i in range(INTERFACES // 2):  # this kernel has no dummy links: veth pairs
            ip("-n", NS, "link", "add", f"port{2 * i + 1}", "type", "veth", "peer", "name",
               f"port{2 * i + 2}")
            for end in (2 * i + 1, 2 * i + 2):
                ip("-n", NS, "link", "set", f"port{end}", "up")
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, "-m", "bench.snmp",
                        "--inner"], check=True, cwd=ROOT)
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)


async def _scrape_exporter(port: int, targets: list[int]) -> tuple[int, int]:
    import httpx

    gate = asyncio.Semaphore(CONCURRENCY)
    samples = failed = 0
    async with httpx.AsyncClient(timeout=60) as client:
        async def one(target: int) -> None:
            nonlocal samples, failed
            async with gate:
                r = await client.get(f"http://127.0.0.1:{port}/snmp",
                                     params={"module": "if_mib",
                                             "target": f"127.0.0.1:{target}"})
            lines = [ln for ln in r.text.splitlines() if ln and not ln.startswith("#")]
            if r.status_code != 200 or not any(ln.startswith("ifHCInOctets") for ln in lines):
                failed += 1
            samples += len(lines)
        await asyncio.gather(*(one(t) for t in targets))
    return samples, failed


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def inner() -> None:
    from muniops.collector.snmp.config import BUILTIN_PROFILES
    from muniops.collector.snmp.poller import DeviceSpec, poll_cycle
    from muniops.collector.snmp.session import SnmpTarget
    from muniops.lab.net import free_port, wait_until
    from muniops.lab.snmpd import running_snmpd

    count = max(DEVICES_IF, CYCLE_DEVICES)
    with running_snmpd(ports=count) as agent, tempfile.TemporaryDirectory() as tmp:
        agent_proc = psutil.Process(next(p.pid for p in psutil.process_iter(["cmdline"])
                                         if p.info["cmdline"] and "snmpd" in p.info["cmdline"][0]
                                         and str(agent.state_dir.parent) in " ".join(
                                             p.info["cmdline"])))
        cred = v2c(agent.community)

        def specs(n: int) -> list[DeviceSpec]:
            return [DeviceSpec(f"dev{i}", SnmpTarget("127.0.0.1", port, cred, timeout=5,
                                                     retries=1), ("generic",),
                               budget_seconds=120)
                    for i, port in enumerate(agent.ports[:n])]

        print(f"2. IF-MIB of {DEVICES_IF} devices with {INTERFACES} interfaces each, "
              f"{CONCURRENCY} at a time")
        # the exporter, with the generated if_mib module (community: public)
        eport = free_port()
        exporter = subprocess.Popen(
            ["prometheus-snmp-exporter", f"--config.file={EXPORTER_CONFIG}",
             f"--web.listen-address=127.0.0.1:{eport}"], stdout=subprocess.DEVNULL,
            stderr=open(Path(tmp) / "exporter.log", "wb"))  # noqa: SIM115
        try:
            from muniops.lab.net import tcp_open
            wait_until(lambda: tcp_open(eport), what="snmp_exporter")
            me = psutil.Process()
            ex = psutil.Process(exporter.pid)
            ports = list(agent.ports[:DEVICES_IF])
            runs = []
            for _ in range(REPEAT):
                a0, e0, t0 = _cpu([agent_proc]), _cpu([ex]), time.perf_counter()
                samples, failed = asyncio.run(_scrape_exporter(eport, ports))
                runs.append((time.perf_counter() - t0, _cpu([ex]) - e0,
                             _cpu([agent_proc]) - a0))
            ref = statistics.median(r[0] for r in runs)
            ref_cpu = statistics.median(r[1] for r in runs)
            ref_agent = statistics.median(r[2] for r in runs)
            runs = []
            for _ in range(REPEAT):
                a0, m0, t0 = _cpu([agent_proc]), _cpu([me]), time.perf_counter()
                results = poll_cycle(specs(DEVICES_IF), [BUILTIN_PROFILES],
                                     concurrency=CONCURRENCY, workers=1)
                runs.append((time.perf_counter() - t0, _cpu([me]) - m0,
                             _cpu([agent_proc]) - a0))
            ours = statistics.median(r[0] for r in runs)
            ours_cpu = statistics.median(r[1] for r in runs)
            ours_agent = statistics.median(r[2] for r in runs)
            up = sum(r.state == "up" for r in results)
            vbs = sum(r.varbinds for r in results)
            print(f"  exporter: {samples} samples, {failed} failed scrapes; ours: {up} up, "
                  f"{vbs} varbinds ({vbs // max(up, 1)} per device)")
            _row("prometheus-snmp-exporter if_mib (Go)", ref, DEVICES_IF, "devices")
            _row("muniops poller, generic profile, 1 process", ours, DEVICES_IF, "devices")
            print(f"  CPU: exporter {ref_cpu:.2f} s (agent {ref_agent:.2f} s); "
                  f"ours {ours_cpu:.2f} s (agent {ours_agent:.2f} s)")
            print(f"  throughput ours/exporter: {ref / ours:.2f}x (goal >= 1x)", flush=True)
        finally:
            exporter.terminate()
            exporter.wait(5)

        print(f"3. one cycle of {CYCLE_DEVICES} devices x {INTERFACES} interfaces, 2 cores")
        for workers in (1, 2):
            me = psutil.Process()
            a0, m0, t0 = _cpu([agent_proc]), _cpu([me]), time.perf_counter()
            results = poll_cycle(specs(CYCLE_DEVICES), [BUILTIN_PROFILES],
                                 concurrency=CONCURRENCY, workers=workers)
            wall = time.perf_counter() - t0
            up = sum(r.state == "up" for r in results)
            vbs = sum(r.varbinds for r in results)
            print(f"  {workers} worker(s): {wall:6.2f} s wall, {up}/{CYCLE_DEVICES} up, "
                  f"{vbs} varbinds ({vbs / wall:,.0f}/s); CPU ours "
                  f"{_cpu([me]) - m0:.2f} s, agent {_cpu([agent_proc]) - a0:.2f} s "
                  f"(goal <= 20 s)", flush=True)


def recordings() -> None:
    sys.path.insert(0, str(ROOT))
    from muniops.collector.snmp.config import BUILTIN_PROFILES
    from muniops.collector.snmp.poller import DeviceSpec, _needed, poll_device
    from muniops.collector.snmp.profiles import ProfileSet
    from muniops.collector.snmp.session import SnmpTarget
    from muniops.lab.snmpsim import running_snmpsim
    from tests.snmp import librenms

    largest = sorted(librenms.SNMPREC.glob("*.snmprec"), key=lambda p: -p.stat().st_size)
    names = [p.stem for p in largest[:RECORDINGS]]
    profiles = ProfileSet.load([BUILTIN_PROFILES])
    print(f"4. the {len(names)} largest recordings (snmpsim): a poll vs snmpbulkwalk of the "
          f"same OIDs, medians of {REPEAT}")
    with running_snmpsim(librenms.SNMPREC) as port:
        for name in names:
            spec = DeviceSpec(name, SnmpTarget("127.0.0.1", port, v2c(name), timeout=10,
                                               retries=1, max_repetitions=25),
                              budget_seconds=120)
            ours, result = [], None
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                result = asyncio.run(poll_device(spec, profiles))
                ours.append(time.perf_counter() - t0)
            assert result is not None and result.state == "up", (name, result)
            scalars, columns = _needed(profiles.resolve(result.profiles))
            base = ["-v2c", "-c", name, "-t", "10", "-r", "1", f"127.0.0.1:{port}"]
            theirs = []
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                subprocess.run(["snmpget", "-On", *base, *scalars], capture_output=True,
                               check=False)
                for col in columns:
                    subprocess.run(["snmpbulkwalk", "-On", "-Cr25", *base, col],
                                   capture_output=True, check=True)
                theirs.append(time.perf_counter() - t0)
            mine, ref = statistics.median(ours), statistics.median(theirs)
            print(f"  {name:<28} poll {mine:6.3f} s ({result.varbinds:>6} values, "
                  f"{len(result.profiles)} profiles)  snmpbulkwalk {ref:6.3f} s "
                  f"({len(columns)} columns)  ratio {mine / ref:4.2f} (goal <= 1.5)",
                  flush=True)


def main() -> None:
    if "--inner" in sys.argv:
        inner()
        return
    if "--recordings" in sys.argv:
        recordings()
        return
    full_walk()
    recordings()
    if os.geteuid() != 0:
        print("parts 2 and 3 need root (a network namespace with 48 interfaces): skipped")
        return
    _in_namespace()


if __name__ == "__main__":
    main()
