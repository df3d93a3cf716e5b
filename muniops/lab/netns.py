"""A small network made of Linux network namespaces, for discovery's tests and benchmark.

A "switch" namespace holds a bridge; a scanner and several hosts each sit in their own
namespace on a veth pair into that bridge. Optionally a router namespace joins the bridge
and routes to a second, remote subnet. Every address is from 198.18.0.0/15 (RFC 2544
benchmarking space), there is no default route anywhere, and every link is created directly
inside the namespaces: nothing touches the host's own interfaces, so no packet leaves.
Needs root (``ip netns``). Everything is deleted on exit.

``wan`` builds the district tests' WAN instead: a central namespace joined to each
district's namespace by a veth pair whose central end can be set down (a cut link);
``run_in`` talks to a peer inside a namespace from the test's own process."""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any, TypeVar

LAB_SPACE = IPv4Network("198.18.0.0/15")
T = TypeVar("T")


@dataclass(frozen=True)
class LabHost:
    namespace: str
    ip: str
    mac: str


@dataclass
class LabNet:
    prefix: str
    lan: IPv4Network
    scanner: LabHost
    hosts: list[LabHost]
    remote: IPv4Network | None = None
    remote_hosts: list[LabHost] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)

    def exec_argv(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside the scanner's namespace."""
        return ["ip", "netns", "exec", self.scanner.namespace, *argv]


def available() -> bool:
    """Network namespaces need root and iproute2's ``ip`` (CI runs as root)."""
    return os.geteuid() == 0 and shutil.which("ip") is not None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def lab_mac(index: int, oui: str = "02:00:5e") -> str:
    """A MAC for lab host ``index``; a locally administered prefix unless ``oui`` is given."""
    return f"{oui}:{(index >> 16) & 0xFF:02x}:{(index >> 8) & 0xFF:02x}:{index & 0xFF:02x}"


def _attach(net: LabNet, switch_ns: str, ns: str, port: str, mac: str,
            address: str | None, dev: str = "eth0") -> None:
    _ip("-n", switch_ns, "link", "add", port, "type", "veth", "peer", "name", dev, "netns", ns)
    _ip("-n", switch_ns, "link", "set", port, "master", "br0", "up")
    _ip("-n", ns, "link", "set", dev, "address", mac)
    if address:
        _ip("-n", ns, "addr", "add", address, "dev", dev)
    _ip("-n", ns, "link", "set", dev, "up")


def _add_ns(net: LabNet, name: str) -> str:
    ns = f"{net.prefix}-{name}"
    _ip("netns", "add", ns)
    net.namespaces.append(ns)
    _ip("-n", ns, "link", "set", "lo", "up")
    return ns


def _build(net: LabNet, host_macs: Sequence[str], remote_macs: Sequence[str]) -> None:
    plen = net.lan.prefixlen
    switch = _add_ns(net, "sw")
    _ip("-n", switch, "link", "add", "br0", "type", "bridge")
    _ip("-n", switch, "link", "set", "br0", "up")
    scanner = _add_ns(net, "scan")
    _attach(net, switch, scanner, "p0", net.scanner.mac, f"{net.scanner.ip}/{plen}")
    for i, mac in enumerate(host_macs, start=1):
        ns = _add_ns(net, f"h{i}")
        ip = str(net.lan.network_address + 10 + i)
        _attach(net, switch, ns, f"p{i}", mac, f"{ip}/{plen}")
        net.hosts.append(LabHost(ns, ip, mac))
    if net.remote is None:
        return
    router = _add_ns(net, "rt")
    gw_lan = str(net.lan.broadcast_address - 1)
    gw_remote = str(net.remote.network_address + 1)
    _attach(net, switch, router, "prt", lab_mac(0xFFFE), f"{gw_lan}/{plen}")
    subprocess.run(["ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
                   check=True, capture_output=True)
    _ip("-n", scanner, "route", "add", str(net.remote), "via", gw_lan)
    # the remote LAN: its own bridge in the router's namespace
    _ip("-n", router, "link", "add", "br0", "type", "bridge")
    _ip("-n", router, "addr", "add", f"{gw_remote}/{net.remote.prefixlen}", "dev", "br0")
    _ip("-n", router, "link", "set", "br0", "up")
    for i, mac in enumerate(remote_macs, start=1):
        ns = _add_ns(net, f"r{i}")
        ip = str(net.remote.network_address + 10 + i)
        _attach(net, router, ns, f"q{i}", mac, f"{ip}/{net.remote.prefixlen}")
        _ip("-n", ns, "route", "add", str(net.lan), "via", gw_remote)
        net.remote_hosts.append(LabHost(ns, ip, mac))


@contextmanager
def namespace_lan(host_macs: Sequence[str], lan: str = "198.18.7.0/24",
                  remote: str | None = None,
                  remote_macs: Sequence[str] = ()) -> Iterator[LabNet]:
    """Build the network; hosts get .11, .12, ... of ``lan`` (and of ``remote``)."""
    lan_net = IPv4Network(lan)
    remote_net = IPv4Network(remote) if remote else None
    for n in (lan_net, remote_net):
        if n is not None and not n.subnet_of(LAB_SPACE):
            raise ValueError(f"{n}: lab networks must be inside {LAB_SPACE}")
    if len(host_macs) > lan_net.num_addresses - 14:
        raise ValueError(f"{len(host_macs)} hosts do not fit in {lan_net}")
    prefix = f"mo{secrets.token_hex(3)}"
    scanner = LabHost(f"{prefix}-scan", str(lan_net.network_address + 1), lab_mac(0xFFFF))
    net = LabNet(prefix, lan_net, scanner, [], remote_net)
    try:
        _build(net, host_macs, remote_macs)
        yield net
    finally:
        for ns in reversed(net.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def links_of(namespace: str) -> list[str]:
    """Interface names in a namespace (to check that nothing but the lab's veths is there)."""
    out = subprocess.run(["ip", "-n", namespace, "-o", "link", "show"], check=True,
                         capture_output=True, text=True).stdout
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()]


def routes_of(namespace: str) -> list[str]:
    out = subprocess.run(["ip", "-n", namespace, "route", "show"], check=True,
                         capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def addresses(net: LabNet) -> list[IPv4Address]:
    return [IPv4Address(h.ip) for h in [net.scanner, *net.hosts, *net.remote_hosts]]


# --- a WAN of namespaces: a central and districts, each joined to the central by a veth


_CLONE_NEWNET = 0x40000000


def run_in(namespace: str, fn: Callable[[], T]) -> T:
    """``fn()`` in a thread of its own that has entered ``namespace`` (setns(2) changes
    only the calling thread), so the test talks to a peer inside a namespace without a
    process per request. Sockets it opens belong to that namespace."""
    box: dict[str, Any] = {}

    def body() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open(f"/run/netns/{namespace}", "rb") as handle:
                if libc.setns(handle.fileno(), _CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns {namespace}: {os.strerror(err)}")
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=body, name=f"netns-{namespace}", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def exec_argv(namespace: str, argv: Sequence[str]) -> list[str]:
    """``argv`` run inside ``namespace`` (``ip netns exec`` execs it: the PID is argv's)."""
    return ["ip", "netns", "exec", namespace, *argv]


@dataclass
class Wan:
    """Namespace ``central`` and one per district; district D reaches the central at
    ``central_ip[D]`` over its veth ``wan0`` (the central's end is ``w-D``)."""

    central: str
    districts: dict[str, str]  # district name -> namespace
    central_ip: dict[str, str]
    district_ip: dict[str, str]
    ends: dict[str, str] = field(default_factory=dict)  # district -> central's veth end

    def set_link(self, district: str, up: bool) -> None:
        """Cut (``up=False``) or restore a district's WAN link, at the central's end."""
        _ip("-n", self.central, "link", "set", self.ends[district], "up" if up else "down")


def add_port(namespace: str, name: str, address: str) -> None:
    """A device's port: a veth pair with both ends in ``namespace`` (``name`` and its peer
    ``name``-p; this kernel may lack the ``dummy`` module), up, with ``address`` — a real
    interface snmpd lists in IF-MIB, whose ifOperStatus ``set_up`` changes."""
    _ip("-n", namespace, "link", "add", name, "type", "veth", "peer", "name", f"{name}-p")
    _ip("-n", namespace, "addr", "add", address, "dev", name)
    _ip("-n", namespace, "link", "set", f"{name}-p", "up")
    _ip("-n", namespace, "link", "set", name, "up")


def set_up(namespace: str, name: str, up: bool) -> None:
    _ip("-n", namespace, "link", "set", name, "up" if up else "down")


def _pids(namespace: str) -> list[int]:
    out = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def delete_namespace(namespace: str) -> None:
    """Kill what still runs in the namespace (a peer a failed test left behind: only the
    test's own namespace holds them), then delete it."""
    for pid in _pids(namespace):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


@contextmanager
def wan(districts: Sequence[str], base: str = "198.18.30.0/24") -> Iterator[Wan]:
    """Build the namespaces and the /30 links (addresses from ``base``); delete them, and
    anything left running in them, on exit."""
    net = IPv4Network(base)
    if not net.subnet_of(LAB_SPACE):
        raise ValueError(f"{net}: lab networks must be inside {LAB_SPACE}")
    prefix = f"mw{secrets.token_hex(3)}"
    made: list[str] = []
    links = list(net.subnets(new_prefix=30))
    result = Wan(f"{prefix}-c", {d: f"{prefix}-{i}" for i, d in enumerate(districts)}, {}, {})
    try:
        for ns in (result.central, *result.districts.values()):
            _ip("netns", "add", ns)
            made.append(ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        for i, (district, ns) in enumerate(result.districts.items()):
            here, there = (str(h) for h in list(links[i].hosts())[:2])
            end = f"w-{i}"
            _ip("-n", result.central, "link", "add", end, "type", "veth", "peer", "name",
                "wan0", "netns", ns)
            _ip("-n", result.central, "addr", "add", f"{here}/30", "dev", end)
            _ip("-n", result.central, "link", "set", end, "up")
            _ip("-n", ns, "addr", "add", f"{there}/30", "dev", "wan0")
            _ip("-n", ns, "link", "set", "wan0", "up")
            result.central_ip[district], result.district_ip[district] = here, there
            result.ends[district] = end
        yield result
    finally:
        for ns in reversed(made):
            delete_namespace(ns)
