"""A city in network namespaces: a central (PostgreSQL, ``muniops serve`` over HTTPS,
Debian's Prometheus with the remote-write receiver) and two districts, each with a
district ``muniops serve``, Prometheus in agent mode scraping it and remote-writing to
the central, Net-SNMP's ``snmpd`` showing the namespace's interfaces (among them the
device's port, a veth pair) polled by the collector, and an endpoint agent; north's
device also answers SSH (fakenos) and is backed up. Veth pairs are the "WAN links". The
Prometheus configs are the shipped ones (``config/prometheus/``) with the lab's addresses
and short intervals.

North's link is cut for several scrape and forward intervals while both districts'
agents keep reporting, north's device's port goes down (a real interface-down, seen by
two polls) and its configuration changes (a new version at the district); south goes
on. Then the link is restored and the port comes back. At the end every report of both
districts is applied at the central once, in each agent's order, and the central
Prometheus holds north's samples of the outage, the port down among them, with no gap
larger than one scrape interval.

The scenario runs once for the module; each test asserts one thing a user relies on."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session, col, select

from muniops.inventory import devices, tokens
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.models import Agent, AgentReport, DistrictCollector, Role
from muniops.inventory.models.configs import ConfigVersion
from muniops.inventory.models.devices import Device
from muniops.inventory.models.snmp import SnmpEvent, SnmpEventKind
from muniops.lab import district as lab, fakenos, netns, postgres
from muniops.lab.agents import BIN
from muniops.lab.net import free_port, wait_until
from muniops.lab.prometheus import SHIPPED, shipped_rule_files
from muniops.lab.snmpd import running_snmpd

pytestmark = pytest.mark.skipif(
    not netns.available(), reason="network namespaces need root and iproute2 (CI runs as root)")

DISTRICTS = ("north", "south")
CUT = "north"
SCRAPE = 1.0  # seconds, both Prometheus servers
BEFORE, DURING, AFTER = 4, 8, 3  # heartbeats per agent around the cut
OUTAGE = 6.0  # seconds the link stays cut after a poll saw the port down
DEVICE_IF = "dev0"  # the device's port in IF-MIB, set down during the cut
PROM_PORT = 9090  # inside the namespaces: any port is free there
# north's device over SSH, in north's namespace; the devices' SNMP and SSH on their usual
# ports there, so the central's register and the district's say the same
SWITCH = fakenos.FakeDevice(f"sw-{CUT}", port=22)
ENABLE = "lab-only-enable"


@dataclass
class Site:
    """One district: its namespace, collector, Prometheus agent, device and agent."""

    name: str
    ns: str
    district: lab.District
    collector: lab.NetnsCollector
    prometheus: lab.PrometheusProcess
    token: str = ""  # a technician token of the district collector, for ``/api/v1/poll``
    agent_state: Path = Path()
    agent_uid: str = ""


@dataclass
class World:
    wan: netns.Wan
    central: lab.Central
    db: Database  # the central's PostgreSQL, through its socket (from outside the namespace)
    prometheus: lab.PrometheusProcess  # the central's
    sites: dict[str, Site]
    switch: fakenos.FakeLab  # north's device's SSH side
    sent: dict[str, list[str]] = field(default_factory=dict)  # agent uid -> report ids
    cut_at: float = 0.0
    down_at: float = 0.0  # the interface went down and a poll saw it
    back_at: float = 0.0
    caught_up_at: float = 0.0  # monotonic: every report was applied
    changed_at: float = 0.0  # the district backed up the changed configuration
    phases: dict[str, float] = field(default_factory=dict)  # where the seconds went


def _agent(ns: str, state: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(netns.exec_argv(ns, [str(BIN / "muniops-agent"), "--state-dir",
                                               str(state), *args]),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def _report(site: Site, count: int) -> list[str]:
    spooled = _agent(site.ns, site.agent_state, "send", "--kind", "heartbeat", "--count",
                     str(count), "--spool-only")["spooled"]
    assert _agent(site.ns, site.agent_state, "flush")["pending"] == 0  # the district has them
    return [str(x) for x in spooled]


def _applied(world: World, district: str) -> int:
    """How many of the district's agent's reports the central holds (whatever else the
    district forwards is counted in its other items)."""
    uid = world.sites[district].agent_uid
    with world.db.read() as s:
        agent = s.exec(select(Agent).where(Agent.uid == uid)).first()
        if agent is None:
            return 0
        return len(s.exec(select(AgentReport.id).where(AgentReport.agent_id == agent.id)).all())


def _forwarded(world: World, district: str) -> int:
    """Every item of the district the central applied (reports, and whatever else)."""
    with world.db.read() as s:
        found = s.exec(select(DistrictCollector)
                       .where(DistrictCollector.name == district)).first()
        return 0 if found is None else found.items_applied


def _outbox_empty(site: Site) -> bool:
    """Whether the district's outbox is empty, as its /metrics says."""
    def read() -> str:
        with urllib.request.urlopen(f"{site.collector.url}/metrics", timeout=10) as r:
            return str(r.read().decode())

    return any(line.startswith("muniops_district_outbox_items{") and float(line.split()[-1]) == 0
               for line in netns.run_in(site.ns, read).splitlines())


def _job(site: Site, path: str, body: dict[str, Any]) -> Any:
    """Start a job on the district's collector (as its schedule would) and wait for it;
    its result."""
    job = site.collector.request("POST", path, site.token, body)
    done: dict[str, Any] = {}

    def finished() -> bool:
        done.update(site.collector.request("GET", f"/api/v1/jobs/{job['id']}", site.token))
        return done["state"] not in ("queued", "running")

    wait_until(finished, timeout=90, what=f"the job of {path} on {site.name}")
    assert done["state"] == "done", done
    return done["result"]


def _poll(site: Site, oper: float) -> None:
    """Poll the district's device until its port's ifOperStatus is ``oper`` (snmpd reads
    the kernel's state anew within a few seconds)."""
    wait_until(lambda: _oper(_job(site, "/api/v1/poll", {"devices": [f"sw-{site.name}"]})
                             ["results"][0]) == oper,
               timeout=60, what=f"a poll of sw-{site.name} with {DEVICE_IF} at {oper}")


def _backup(site: Site) -> None:
    """The district backs up its device's configuration (a new version if it changed)."""
    results = _job(site, "/api/v1/playbooks/backup-config/run",
                   {"targets": [f"sw-{site.name}"]})
    assert [r["ok"] for r in results] == [True], results


def _versions(url: str, device: str) -> list[ConfigVersion]:
    with lab.register(url) as s:
        found = s.exec(select(ConfigVersion).where(ConfigVersion.device == device)
                       .order_by(col(ConfigVersion.version))).all()
        s.expunge_all()
        return list(found)


def _change_config(world: World) -> None:
    """North's device's configuration changes (fakenos serves another one), and the
    district backs it up while cut off."""
    nos = SWITCH.definition()
    changed = fakenos.running_config(nos) + "\ninterface Vlan99\n description cut off\n!\n"
    world.switch.restart(**{SWITCH.name: fakenos.with_running_config(nos, changed)})
    _backup(world.sites[CUT])
    world.changed_at = time.time()


def _oper(result: dict[str, Any]) -> float | None:
    for reading in result.get("values", []):
        if (reading.get("metric") == "muniops_snmp_interface_oper_status"
                and reading.get("labels", {}).get("interface") == DEVICE_IF):
            return float(reading["value"])
    return None


def _agent_config(site: str, collector_port: int, receiver: str, ca: Path) -> str:
    """The shipped district-agent.yml: this district's label, its collector, the central's
    receiver at its link address over HTTPS checked with the central's CA, short
    intervals."""
    doc = yaml.safe_load((SHIPPED / "district-agent.yml").read_text())
    doc["global"]["scrape_interval"] = f"{SCRAPE:.0f}s"
    doc["global"]["external_labels"]["district"] = site
    job = doc["scrape_configs"][0]
    job["scrape_timeout"] = f"{SCRAPE:.0f}s"
    job["static_configs"] = [{"targets": [f"127.0.0.1:{collector_port}"]}]
    writer = doc["remote_write"][0]
    writer["url"] = f"{receiver}/api/v1/write"
    writer["tls_config"]["ca_file"] = str(ca)
    writer["remote_timeout"] = "2s"  # a request lost on the cut link is retried soon
    writer["queue_config"].update(min_backoff="100ms", max_backoff="1s")
    return yaml.safe_dump(doc)


def _central_config(own: str, ca: Path) -> str:
    """The shipped central.yml (its rules beside it, so they load), scraping itself over
    HTTPS at ``own``."""
    doc = yaml.safe_load((SHIPPED / "central.yml").read_text())
    doc["global"]["scrape_interval"] = f"{SCRAPE:.0f}s"
    doc["global"]["evaluation_interval"] = "5s"
    job = doc["scrape_configs"][0]
    job["scrape_timeout"] = f"{SCRAPE:.0f}s"
    job["scheme"], job["tls_config"] = "https", {"ca_file": str(ca)}
    job["static_configs"] = [{"targets": [own]}]
    return yaml.safe_dump(doc)


def _district_extra(folder: Path) -> None:
    """The SNMP community and SSH login of the district's device, in the district's config."""
    creds = folder / "credentials.yaml"
    creds.write_text(yaml.safe_dump({
        "lab-snmp": {"type": "snmp_v2c", "community": "public"},
        "lab-ssh": {"type": "ssh", "username": SWITCH.username, "password": SWITCH.password,
                    "enable_secret": ENABLE}}))
    creds.chmod(0o600)
    config = folder / "muniops.yaml"
    doc = yaml.safe_load(config.read_text())
    doc["credentials_file"] = str(creds)
    config.write_text(yaml.safe_dump(doc))


def _phase(phases: dict[str, float], name: str, t0: float) -> None:
    phases[name] = round(time.monotonic() - t0, 1)
    print(f"test_wan: {name} took {phases[name]} s")


def _timed(phases: dict[str, float], name: str, fn: Callable[[], Any]) -> Any:
    start = time.monotonic()
    try:
        return fn()
    finally:
        _phase(phases, name, start)


def _build(stack: ExitStack, root: Path) -> World:
    """Namespaces, peers and processes, started side by side where they can be."""
    phases: dict[str, float] = {}
    t0 = time.monotonic()
    wan = stack.enter_context(netns.wan(DISTRICTS))
    pg_tcp, pg_sock = stack.enter_context(postgres.running_cluster(wan.central))
    pg_url = postgres.create_database(pg_sock, "central")  # the database, made from outside
    db_url = postgres.database_url(pg_tcp, "central")  # how the central reaches it, inside
    _phase(phases, "namespaces+postgres", t0)
    port = free_port()
    pool = stack.enter_context(ThreadPoolExecutor(6))
    ssh: dict[str, fakenos.FakeLab] = {}
    # stopped side by side before the namespaces go: the districts' Prometheus agents while
    # the central's still receives (an agent stops once its queue is flushed), then it
    running: list[Callable[[], None]] = []
    last: list[Callable[[], None]] = []
    stack.callback(lambda: [list(pool.map(lambda stop: stop(), wave)) for wave in (running, last)])

    def central_side() -> lab.Central:
        central = lab.make_central(root / "central", db_url,
                                   hosts=tuple(wan.central_ip[d] for d in DISTRICTS),
                                   local_url=pg_url)
        central.process = lab.NetnsCollector(  # type: ignore[assignment]
            central.config, wan.central, f"0.0.0.0:{port}",
            f"https://{wan.central_ip[DISTRICTS[0]]}:{port}/healthz", central.ca)
        return central

    def district_side(name: str) -> tuple[lab.District, str]:
        # the central's enrolment secret is set once the central has made it
        folder = root / name
        _enter_snmpd(stack, wan.districts[name])
        if name == CUT:  # its device also answers SSH: its configuration changes in the cut
            ssh[name] = stack.enter_context(fakenos.running_fakenos([SWITCH],
                                                                    wan.districts[name]))
        d = lab.make_district(folder, None, name, "pending", site=f"{name.title()} Office",
                              district=name, batch_size=20,
                              central_url=f"https://{wan.central_ip[name]}:{port}",
                              ca_file=root / "central" / "data" / "tls" / "ca.pem")
        _district_extra(folder)
        with lab.register(sqlite_url(folder / "data")) as s:
            _add_device(s, name)
            _row, token = tokens.create_token(s, "poller", Role.TECHNICIAN, actor=lab.LAB)
        return d, token

    central_f = pool.submit(_timed, phases, "central init", central_side)
    district_fs = {n: pool.submit(_timed, phases, f"{n} init",
                                  lambda n=n: district_side(n))  # type: ignore[misc]
                   for n in DISTRICTS}
    central = central_f.result()
    running.append(central.process.stop)
    with lab.register(pg_url) as s:
        secrets = {n: _central_site(s, n) for n in DISTRICTS}
    # the central's Prometheus serves HTTPS with the central collector's certificate (made
    # for its link addresses) and is asked at north's link address, inside its namespace
    api = yaml.safe_load(central.config.read_text())["api"]
    tls = lab.ServerTls(Path(api["tls_cert"]), Path(api["tls_key"]), central.ca)
    own = f"{wan.central_ip[DISTRICTS[0]]}:{PROM_PORT}"
    central_prom = lab.PrometheusProcess(root / "prom-central", _central_config(own, central.ca),
                                         "--web.enable-remote-write-receiver", port=PROM_PORT,
                                         netns=wan.central, tls=tls,
                                         host=wan.central_ip[DISTRICTS[0]])
    for rule in shipped_rule_files():  # central.yml names rules/*.yml beside it
        (central_prom.root / "rules").mkdir(exist_ok=True)
        shutil.copy(rule, central_prom.root / "rules" / rule.name)
    last.append(central_prom.stop)
    started: list[Future[Any]] = [
        pool.submit(_timed, phases, "central start", lambda: central.process.start(120)),
        pool.submit(_timed, phases, "central prometheus start", central_prom.start)]
    sites: dict[str, Site] = {}
    for name in DISTRICTS:
        d, token = district_fs[name].result()
        lab.set_enrolment_secret(d, secrets[name])
        dport = free_port()
        collector = lab.NetnsCollector(d.config, wan.districts[name], f"127.0.0.1:{dport}",
                                       f"http://127.0.0.1:{dport}/healthz")
        d.process = collector
        running.append(collector.stop)
        prom = lab.PrometheusProcess(
            root / f"prom-{name}",
            _agent_config(name, dport, f"https://{wan.central_ip[name]}:{PROM_PORT}",
                          central.ca),
            "--enable-feature=agent", "--storage.agent.retention.max-time=72h", agent=True,
            port=PROM_PORT, netns=wan.districts[name])
        running.append(prom.stop)
        sites[name] = Site(name, wan.districts[name], d, collector, prom, token)
        started += [pool.submit(_timed, phases, f"{name} start",
                                lambda c=collector: c.start(120)),  # type: ignore[misc]
                    pool.submit(_timed, phases, f"{name} prometheus start", prom.start)]
    for f in started:
        f.result()
    _phase(phases, "all started", t0)
    db = Database(pg_url)
    stack.callback(db.dispose)
    return World(wan, central, db, central_prom, sites, ssh[CUT], phases=phases)


def _add_device(s: Session, district: str) -> None:
    """The district's device, as both the central's register and the district's know it:
    SNMP (snmpd) on 161; north's also SSH (fakenos) on 22, as a Cisco IOS switch."""
    ssh = district == CUT
    devices.add_device(s, devices.DeviceCreate(
        name=f"sw-{district}", address="127.0.0.1", snmp_credential="lab-snmp",
        site=f"{district.title()} Office", kind="switch",
        platform="cisco_ios" if ssh else None, ssh_credential="lab-ssh" if ssh else None),
        actor=lab.LAB)


def _central_site(s: Session, name: str) -> str:
    """The district's site at the central, its device in the register there (assigned to
    the district through the site), and the enrolment secret the district enrols with."""
    secret = lab.site_secret(s, f"{name.title()} Office", name)
    _add_device(s, name)
    return secret


def _enter_snmpd(stack: ExitStack, ns: str) -> None:
    """snmpd in the district's namespace, with the port it shows in IF-MIB."""
    netns.add_port(ns, DEVICE_IF, "198.18.31.1/32")
    stack.enter_context(running_snmpd(netns=ns, port=161))


def _scenario(world: World) -> None:
    phases, sites = world.phases, world.sites
    t0 = time.monotonic()

    def enrol(site: Site) -> None:
        site.agent_state = world.central.config.parent.parent / f"{site.name}-agent"
        site.agent_uid = str(_agent(site.ns, site.agent_state, "enroll", "--server",
                                    site.collector.url, "--as-new-host", "--secret",
                                    site.district.agent_secret)["agent_id"])

    with ThreadPoolExecutor(len(sites)) as pool:
        list(pool.map(enrol, sites.values()))
        before = {n: pool.submit(_report, s, BEFORE) for n, s in sites.items()}
        polls = {n: pool.submit(_poll, s, 1.0) for n, s in sites.items()}
        first_backup = pool.submit(_backup, sites[CUT])  # version 1
        for n in sites:
            world.sent[sites[n].agent_uid] = before[n].result()
            polls[n].result()  # the port is up before the cut
        first_backup.result()
    wait_until(lambda: all(_applied(world, n) == BEFORE for n in sites), timeout=60,
               what="the first reports at the central")
    wait_until(lambda: _samples_since(world, CUT, time.time() - 30) >= 3, timeout=60,
               what="north's first samples at the central Prometheus")
    _phase(phases, "before the cut", t0)

    t0 = time.monotonic()
    north = sites[CUT]
    wait_until(lambda: _outbox_empty(north), timeout=60, what="north's outbox emptied")
    forwarded = _forwarded(world, CUT)  # nothing in flight when the link is cut
    world.wan.set_link(CUT, up=False)  # north's WAN link is cut
    world.cut_at = time.time()
    netns.set_up(north.ns, DEVICE_IF, up=False)  # and its device's interface goes down
    _poll(north, 2.0)  # a poll sees it down
    world.down_at = time.time()
    with ThreadPoolExecutor(len(sites) + 1) as pool:  # both districts' agents keep reporting
        during = {n: pool.submit(_report, s, DURING) for n, s in sites.items()}
        change = pool.submit(_change_config, world)  # and north's configuration changes
        for n, s in sites.items():
            world.sent[s.agent_uid] += during[n].result()
        change.result()
    district_url = sqlite_url(north.district.data_dir)
    assert [v.version for v in _versions(district_url, SWITCH.name)] == [1, 2]
    wait_until(lambda: _applied(world, "south") == BEFORE + DURING, timeout=60,
               what="south's reports during the cut")
    time.sleep(max(0.0, world.down_at + OUTAGE - time.time()))  # several intervals, cut
    _poll(north, 2.0)  # a second poll of the outage: still down
    assert _applied(world, CUT) == BEFORE  # nothing crossed the cut link
    assert _forwarded(world, CUT) == forwarded
    assert "not reached" in north.collector.log.read_text()
    _phase(phases, "the cut", t0)

    t0 = time.monotonic()
    world.wan.set_link(CUT, up=True)  # the link is back
    world.back_at = time.time()
    netns.set_up(north.ns, DEVICE_IF, up=True)
    _poll(north, 1.0)
    with ThreadPoolExecutor(len(sites)) as pool:
        after = {n: pool.submit(_report, s, AFTER) for n, s in sites.items()}
        for n, s in sites.items():
            world.sent[s.agent_uid] += after[n].result()
    total = BEFORE + DURING + AFTER
    wait_until(lambda: all(_applied(world, n) == total for n in sites), timeout=90,
               what="every report after the cut")
    world.caught_up_at = time.monotonic()
    wait_until(lambda: _samples_since(world, CUT, world.back_at + 2 * SCRAPE) > 0,
               timeout=60, what="north's samples after the cut at the central Prometheus")
    _phase(phases, "catch-up", t0)


def _series(world: World, expr: str, since: float, until: float) -> list[dict[str, Any]]:
    found = world.prometheus.api("query", query=f"{expr}[{int(until - since) + 1}s]",
                                 time=f"{until:.3f}")
    result: list[dict[str, Any]] = found["result"]
    return result


def _up_times(world: World, district: str, since: float, until: float) -> list[float]:
    found = _series(world, f'up{{job="muniops-district",district="{district}"}}', since,
                    until)
    return sorted(float(ts) for s in found for ts, _v in s["values"])


def _samples_since(world: World, district: str, since: float) -> int:
    now = time.time()
    return sum(1 for ts in _up_times(world, district, since - 1, now) if ts >= since)


def _cpu(wan: netns.Wan) -> dict[str, float]:
    """CPU seconds of what runs in each namespace, by program (where a run's time goes)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for ns in (wan.central, *wan.districts.values()):
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                              text=True).stdout.split()
        for pid in pids:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1]
            fields = rest.split()
            key = f"{ns[-1]}:{comm}"
            out[key] = round(out.get(key, 0.0) + (int(fields[11]) + int(fields[12])) / ticks, 1)
    return out


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The scenario, once; everything it started is stopped and deleted afterwards, in
    reverse order, also when it fails (the namespaces last, killing what is left)."""
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="muniops-wan-"))
    try:
        with ExitStack() as stack:
            built = _build(stack, root)
            _timed(built.phases, "scenario", lambda: _scenario(built))
            built.phases["total"] = round(time.monotonic() - started, 1)
            print(f"\ntest_wan phases (s): {built.phases}")
            print(f"test_wan CPU seconds by process: {_cpu(built.wan)}")
            yield built
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_every_report_is_applied_once_in_order(world: World) -> None:
    total = BEFORE + DURING + AFTER
    # forwarding every second: a late duplicate would have landed two seconds after
    time.sleep(max(0.0, world.caught_up_at + 2.0 - time.monotonic()))
    with world.db.read() as s:
        for uid, report_ids in world.sent.items():
            agent = s.exec(select(Agent).where(Agent.uid == uid)).one()
            arrived = s.exec(select(AgentReport.report_id)
                             .where(AgentReport.agent_id == agent.id)
                             .order_by(col(AgentReport.id))).all()
            assert list(arrived) == report_ids  # once each, in the agent's order
    assert len(world.sent) == len(DISTRICTS)
    assert all(_applied(world, n) == total for n in DISTRICTS)


def test_the_outage_samples_reach_the_central_prometheus(world: World) -> None:
    since, until = world.cut_at - 5, world.back_at + 2 * SCRAPE
    got = _up_times(world, CUT, since, until)
    during = [ts for ts in got if world.cut_at <= ts <= world.back_at]
    assert len(during) >= (world.back_at - world.cut_at) / SCRAPE - 2, during
    gaps = [b - a for a, b in itertools.pairwise(got)]
    assert max(gaps) <= SCRAPE * 1.6, gaps  # no gap larger than one scrape interval
    # and what north's collector said while cut off: its device's interface down, then up
    oper = _series(world, f'muniops_snmp_interface_oper_status{{district="{CUT}",'
                          f'interface="{DEVICE_IF}"}}', since, until)
    assert oper, "no oper status of north's device at the central"
    points = sorted((float(ts), float(v)) for s in oper for ts, v in s["values"])
    down = [ts for ts, v in points if v == 2.0]
    assert down and world.cut_at <= min(down) <= world.back_at, points
    # south was never cut: it has no gap either
    south = _up_times(world, "south", since, until)
    assert max(b - a for a, b in itertools.pairwise(south)) <= SCRAPE * 1.6


def test_events_and_config_version_arrive_in_order(world: World) -> None:
    """The device's interface went down during the cut and came back after it: both events
    reach the central, in that order, with the times the district saw them; the
    configuration that changed during the cut is the central's new version, after the
    interface went down, as at the district."""
    with world.db.read() as s:
        device = s.exec(select(Device).where(Device.name == f"sw-{CUT}")).first()
        assert device is not None, "north's device is not at the central"
        events = s.exec(select(SnmpEvent).where(SnmpEvent.device_id == device.id,
                                                SnmpEvent.subject == DEVICE_IF)
                        .order_by(col(SnmpEvent.id))).all()
    kinds = [e.kind for e in events]
    assert kinds == [SnmpEventKind.INTERFACE_DOWN, SnmpEventKind.INTERFACE_UP], kinds
    down_at = events[0].at.timestamp()
    assert world.cut_at - 1 <= down_at <= world.down_at + 1  # the district's time, not arrival
    # the configuration backed up during the cut is the central's version 2, after the event
    versions = _versions(world.central.local_url, SWITCH.name)
    assert [v.version for v in versions] == [1, 2], versions
    changed = versions[1].collected_at.timestamp()
    assert down_at <= changed <= world.changed_at + 1 and changed < world.back_at
    assert "interface Vlan99" in versions[1].text
