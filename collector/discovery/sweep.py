"""Active discovery with scapy: ARP requests on a directly attached subnet, ICMP echo to a
routed one. Probes are paced at ``rate_pps`` and stop when the time budget is spent; the
answers are caught by a sniffer running alongside. Needs CAP_NET_RAW.

scapy is imported only here, and only when a sweep runs: it is slow to import."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network
from types import SimpleNamespace
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


@lru_cache(maxsize=1)
def _scapy_modules() -> SimpleNamespace:
    # only the parts a sweep uses: ``scapy.all`` would import every layer (seconds)
    from scapy.arch import get_if_addr, get_if_hwaddr
    from scapy.config import conf
    from scapy.layers.inet import ICMP, IP
    from scapy.layers.l2 import ARP, Ether
    from scapy.sendrecv import AsyncSniffer

    conf.verb = 0
    return SimpleNamespace(conf=conf, get_if_addr=get_if_addr, get_if_hwaddr=get_if_hwaddr,
                           ICMP=ICMP, IP=IP, ARP=ARP, Ether=Ether, AsyncSniffer=AsyncSniffer)


def _scapy() -> Any:
    return _scapy_modules()


def prepare() -> None:
    """Import scapy now, so that a run's time budget is not spent importing it."""
    _scapy_modules()


def route_of(subnet: IPv4Network) -> tuple[str, str, str]:
    """(interface, source address, gateway) the host would use towards ``subnet``."""
    scapy = _scapy()
    scapy.conf.route.resync()  # the routing table as it is now, not at import
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


ETH_P_IP, ETH_P_ARP = 0x0800, 0x0806


@dataclass
class _Prober:
    """How one method sends a probe and reads an answer. Probes are byte templates with the
    target address patched in: building a scapy packet per probe costs ~2 ms."""

    send: Callable[[IPv4Address], None]
    close: Callable[[], None]
    answer: Callable[[Any], Reply | None]
    ethertype: int  # the frames the listener is given


def _run(subnet: IPv4Network, method: str, pace: Pace, iface: str, own: str,
         prober: _Prober) -> SweepResult:
    scapy = _scapy()
    started = time.monotonic()
    targets = _targets(subnet, own)
    result = SweepResult(subnet, method, targets=len(targets))
    found: dict[str, Reply] = {}

    def on_packet(pkt: Any) -> None:
        reply = prober.answer(pkt)
        if reply is not None and IPv4Address(reply.ip) in subnet:
            found.setdefault(reply.ip, reply)

    listening = threading.Event()
    # the kernel hands the listener only frames of one ethertype: little to dissect
    listener = scapy.conf.L2listen(iface=iface, type=prober.ethertype)
    sniffer = scapy.AsyncSniffer(opened_socket=listener, store=False, prn=on_packet,
                                 started_callback=listening.set)
    sniffer.start()
    try:
        # probes sent before the sniffer's socket is open would be answered unseen
        if not listening.wait(5.0):
            raise SweepError("the packet sniffer did not start")
        for target in _paced(targets, pace):
            prober.send(target)
            result.probed += 1
        time.sleep(max(0.0, min(pace.reply_timeout, pace.deadline + pace.reply_timeout
                                - time.monotonic())))
    finally:
        sniffer.stop()
        listener.close()
        prober.close()
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
        own_ip = scapy.get_if_addr(iface) or src
        sock = scapy.conf.L2socket(iface=iface, type=ETH_P_ARP)
    except (OSError, ValueError) as exc:
        raise SweepError(f"interface {iface}: {exc}") from None
    # Ether (14 bytes) + ARP request (28 bytes) whose last 4 bytes are the target address
    template = bytes(scapy.Ether(dst="ff:ff:ff:ff:ff:ff", src=own_mac) / scapy.ARP(
        op=1, hwsrc=own_mac, psrc=own_ip, pdst="0.0.0.0"))[:42]

    def answer(pkt: Any) -> Reply | None:
        arp = pkt.getlayer(scapy.ARP)
        if arp is not None and arp.op == 2 and arp.hwsrc != own_mac:
            return Reply(str(arp.psrc), str(arp.hwsrc).lower())
        return None

    prober = _Prober(lambda ip: sock.send(template[:38] + ip.packed), sock.close, answer,
                     ETH_P_ARP)
    return _run(subnet, "arp", pace, iface, own_ip, prober)


def icmp_sweep(subnet: IPv4Network, pace: Pace) -> SweepResult:
    """Ping every address of a routed subnet; answers give the IP only (the MAC is the
    router's). The kernel builds the IP header and routes: a plain raw ICMP socket."""
    scapy = _scapy()
    iface, src, _gw = route_of(subnet)
    ident = os.getpid() & 0xFFFF
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    except OSError as exc:
        raise SweepError(f"raw ICMP socket: {exc}") from None
    echo = bytes(scapy.ICMP(type=8, id=ident, seq=1) / b"muniops-discovery")

    def answer(pkt: Any) -> Reply | None:
        icmp = pkt.getlayer(scapy.ICMP)
        if icmp is not None and icmp.type == 0 and icmp.id == ident:
            return Reply(str(pkt[scapy.IP].src), "")
        return None

    def send(ip: IPv4Address) -> None:
        try:
            sock.sendto(echo, (str(ip), 0))
        except OSError as exc:  # e.g. EHOSTUNREACH: that address simply does not answer
            log.debug("ping %s: %s", ip, exc)

    return _run(subnet, "icmp", pace, iface, src, _Prober(send, sock.close, answer, ETH_P_IP))


def sweep(subnet: IPv4Network, method: str, pace: Pace,
          interface: str | None = None) -> SweepResult:
    chosen = choose_method(subnet, method)
    if chosen == "arp":
        return arp_sweep(subnet, pace, interface)
    return icmp_sweep(subnet, pace)
