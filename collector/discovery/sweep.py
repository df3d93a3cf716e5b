"""Active discovery with scapy: ARP requests on a directly attached subnet, ICMP echo to a
routed one. Probes are paced at ``rate_pps`` and stop when the time budget is spent; the
answers are caught by a sniffer running alongside. Needs CAP_NET_RAW.

scapy is imported only here, and only when a sweep runs: it is slow to import."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

log = logging.getLogger(__name__)


class SweepError(Exception):
    """A sweep could not run at all (no route, no privileges, unknown interface)."""


@dataclass(frozen=True)
class Reply:
    ip: str
    mac: str  # "" for ICMP answers from a routed subnet


@dataclass
class SweepResult:
    subnet: IPv4Network
    method: str  # "arp" or "icmp"
    replies: list[Reply] = field(default_factory=list)
    probed: int = 0
    targets: int = 0
    duration_seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return self.probed >= self.targets


@dataclass(frozen=True)
class Pace:
    rate_pps: float
    deadline: float  # time.monotonic() after which no probe is sent
    reply_timeout: float


def _scapy() -> Any:
    import scapy.all as scapy

    scapy.conf.verb = 0
    scapy.conf.route.resync()
    return scapy


def route_of(subnet: IPv4Network) -> tuple[str, str, str]:
    """(interface, source address, gateway) the host would use towards ``subnet``."""
    scapy = _scapy()
    probe = str(next(iter(subnet.hosts()), subnet.network_address))
    iface, src, gw = scapy.conf.route.route(probe, verbose=0)
    if src in ("0.0.0.0", "") or str(iface) == scapy.conf.loopback_name:
        raise SweepError(f"no route to {subnet} from this host")
    return str(iface), str(src), str(gw)


def choose_method(subnet: IPv4Network, method: str) -> str:
    """``auto``: ARP when the subnet is on a local interface (no gateway), else ICMP."""
    if method != "auto":
        return method
    _iface, _src, gw = route_of(subnet)
    return "arp" if gw == "0.0.0.0" else "icmp"


def _paced(targets: list[IPv4Address], pace: Pace) -> Iterator[IPv4Address]:
    """Yield targets no faster than the rate, and none once the budget is spent."""
    start = time.monotonic()
    gap = 1.0 / pace.rate_pps
    for i, target in enumerate(targets):
        due = start + i * gap
        now = time.monotonic()
        if due > pace.deadline or now > pace.deadline:
            return
        if due > now:
            time.sleep(due - now)
        yield target


def _targets(subnet: IPv4Network, own: str) -> list[IPv4Address]:
    return [ip for ip in subnet.hosts() if str(ip) != own]


def _run(subnet: IPv4Network, method: str, pace: Pace, iface: str, own: str,
         make_probe: Callable[[IPv4Address], Any], answer: Callable[[Any], Reply | None],
         sniff_iface: str | None, send: Callable[[Any, Any], None], sock: Any) -> SweepResult:
    scapy = _scapy()
    started = time.monotonic()
    targets = _targets(subnet, own)
    result = SweepResult(subnet, method, targets=len(targets))
    found: dict[str, Reply] = {}

    def on_packet(pkt: Any) -> None:
        reply = answer(pkt)
        if reply is not None and IPv4Address(reply.ip) in subnet:
            found.setdefault(reply.ip, reply)

    listening = threading.Event()
    sniffer = scapy.AsyncSniffer(iface=sniff_iface, store=False, prn=on_packet,
                                 started_callback=listening.set)
    sniffer.start()
    # probes sent before the sniffer's socket is open would be answered unseen
    if not listening.wait(5.0):
        sock.close()
        raise SweepError("the packet sniffer did not start")
    try:
        for target in _paced(targets, pace):
            send(sock, make_probe(target))
            result.probed += 1
        time.sleep(max(0.0, min(pace.reply_timeout, pace.deadline + pace.reply_timeout
                                - time.monotonic())))
    finally:
        sniffer.stop()
        sock.close()
    result.replies = sorted(found.values(), key=lambda r: IPv4Address(r.ip))
    result.duration_seconds = time.monotonic() - started
    log.info("%s sweep of %s via %s: %d/%d probed, %d answered in %.2fs", method, subnet, iface,
             result.probed, result.targets, len(result.replies), result.duration_seconds)
    return result


def arp_sweep(subnet: IPv4Network, pace: Pace, interface: str | None = None) -> SweepResult:
    """ARP every address of a directly attached subnet; every answer gives IP and MAC."""
    scapy = _scapy()
    iface, src, _gw = route_of(subnet)
    iface = interface or iface
    try:
        own_mac = scapy.get_if_hwaddr(iface)
        own_ip = scapy.get_if_addr(iface)
        sock = scapy.conf.L2socket(iface=iface)
    except (OSError, ValueError) as exc:
        raise SweepError(f"interface {iface}: {exc}") from None

    def probe(ip: IPv4Address) -> Any:
        return scapy.Ether(dst="ff:ff:ff:ff:ff:ff", src=own_mac) / scapy.ARP(
            op=1, hwsrc=own_mac, psrc=own_ip or src, pdst=str(ip))

    def answer(pkt: Any) -> Reply | None:
        if scapy.ARP in pkt and pkt[scapy.ARP].op == 2 and pkt[scapy.ARP].hwsrc != own_mac:
            return Reply(str(pkt[scapy.ARP].psrc), str(pkt[scapy.ARP].hwsrc).lower())
        return None

    return _run(subnet, "arp", pace, iface, own_ip, probe, answer, iface,
                lambda s, p: s.send(p), sock)


def icmp_sweep(subnet: IPv4Network, pace: Pace) -> SweepResult:
    """Ping every address of a routed subnet; answers give the IP only (the MAC is the
    router's)."""
    scapy = _scapy()
    iface, src, _gw = route_of(subnet)
    ident = os.getpid() & 0xFFFF
    try:
        sock = scapy.conf.L3socket()
    except OSError as exc:
        raise SweepError(f"raw socket: {exc}") from None

    def probe(ip: IPv4Address) -> Any:
        return scapy.IP(dst=str(ip)) / scapy.ICMP(type=8, id=ident, seq=int(ip) & 0xFFFF)

    def answer(pkt: Any) -> Reply | None:
        if (scapy.ICMP in pkt and pkt[scapy.ICMP].type == 0 and pkt[scapy.ICMP].id == ident
                and scapy.IP in pkt):
            return Reply(str(pkt[scapy.IP].src), "")
        return None

    return _run(subnet, "icmp", pace, iface, src, probe, answer, iface,
                lambda s, p: s.send(p), sock)


def sweep(subnet: IPv4Network, method: str, pace: Pace,
          interface: str | None = None) -> SweepResult:
    chosen = choose_method(subnet, method)
    if chosen == "arp":
        return arp_sweep(subnet, pace, interface)
    return icmp_sweep(subnet, pace)
