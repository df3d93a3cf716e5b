"""A small network made of Linux network namespaces, for discovery's tests and benchmark.

A "switch" namespace holds a bridge; a scanner and several hosts each sit in their own
namespace on a veth pair into that bridge. Optionally a router namespace joins the bridge
and routes to a second, remote subnet. Every address is from 198.18.0.0/15 (RFC 2544
benchmarking space), there is no default route anywhere, and every link is created directly
inside the namespaces: nothing touches the host's own interfaces, so no packet leaves.
Needs root (``ip netns``). Everything is deleted on exit."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

LAB_SPACE = IPv4Network("198.18.0.0/15")


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
