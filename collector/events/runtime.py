"""The receivers inside ``muniops serve``: one thread runs an asyncio loop with the trap
receiver and the syslog UDP and TCP servers; the pipeline and the two debouncers (polls
through the SNMP feature's runner, backups through the SSH feature) have threads of their
own. ``start`` is called by the service once every feature's runtime exists."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.core.addresses import split_address
from muniops.collector.core.credentials import SnmpCommunity, SnmpV3
from muniops.collector.core.feature import Runtime, runtime_of
from muniops.collector.district.outbound import sender
from muniops.collector.events import syslog
from muniops.collector.events.config import EventSettings
from muniops.collector.events.metrics import EventMetrics
from muniops.collector.events.pipeline import Debouncer, EventPipeline, Heard
from muniops.collector.events.rules import SyslogRules, TrapRules
from muniops.collector.events.sockets import open_socket
from muniops.collector.events.traps import Trap, TrapReceiver
from muniops.inventory import devices as register
from muniops.inventory.errors import ConfigError
from muniops.inventory.models.events import EventSource

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector

log = logging.getLogger(__name__)


def event_settings(collector: Collector) -> EventSettings:
    section = getattr(collector.settings, "events", None)
    return section if isinstance(section, EventSettings) else EventSettings()


class EventsRuntime(Runtime):
    def __init__(self, collector: Collector) -> None:
        super().__init__(collector)
        self.config = event_settings(collector)
        self.trap_rules = TrapRules.load(self.config.all_trap_files())
        self.syslog_rules = SyslogRules.load(self.config.all_syslog_files())
        self.poller = Debouncer("poll", self._poll, delay=0,
                                min_interval=self.config.poll_min_interval_seconds)
        self.backups = Debouncer("backup", self._backup, delay=self.config.backup_delay_seconds,
                                 min_interval=0)
        self.pipeline = EventPipeline(
            collector.db, self.trap_rules, self.syslog_rules, queue_size=self.config.queue_size,
            extra_addresses=dict, poller=self.poller, backups=self.backups,
            backup_devices=self._backup_devices)
        self.pipeline.forward = sender(collector)
        self.receiver: TrapReceiver | None = None
        self.udp_sockets: list[socket.socket] = []  # for the kernel's drop counts
        self.listening: dict[str, tuple[str, int]] = {}  # what is bound, by transport
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closers: list[asyncio.BaseTransport | asyncio.Server] = []

    def metrics(self) -> Iterable[PromCollector]:
        return [EventMetrics(self)] if self.config.enabled else []

    def start(self) -> None:
        """Bind the receivers (an address in use or a privileged port fails here, said
        plainly) and start handling what they hear."""
        if not self.config.enabled:
            return
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._open())
            except (OSError, ConfigError) as exc:
                failure.append(exc)
            ready.set()
            if not failure:
                loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="events-receivers", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            self._thread.join(10)
            self._loop = self._thread = None  # closed by its thread: nothing left to stop
            self.receiver = None
            self._close_sockets()
            raise ConfigError(f"events: cannot listen: {failure[0]}")
        self.pipeline.start()
        self.poller.start()
        self.backups.start()
        log.info("events: listening %s", ", ".join(
            f"{k} {h}:{p}" for k, (h, p) in sorted(self.listening.items())))

    async def _open(self) -> None:
        cfg = self.config
        if cfg.traps.listen:
            host, port = split_address(cfg.traps.listen)
            sock = _udp_socket("traps", host, port, cfg.traps.receive_buffer_bytes)
            self.udp_sockets.append(sock)
            self.receiver = TrapReceiver(sock, self._trap_credentials(), self._heard_trap)
            self.receiver.start()
            self.listening["traps"] = sock.getsockname()[:2]
        if cfg.syslog.udp:
            host, port = split_address(cfg.syslog.udp)
            sock = _udp_socket("syslog", host, port, cfg.syslog.receive_buffer_bytes)
            self.udp_sockets.append(sock)
            udp = await syslog.serve_udp(sock, self._heard_syslog)
            self._closers.append(udp)
            self.listening["syslog_udp"] = udp.get_extra_info("sockname")[:2]
        if cfg.syslog.tcp:
            host, port = split_address(cfg.syslog.tcp)
            try:
                tcp = await syslog.serve_tcp(host, port, self._heard_syslog,
                                             cfg.syslog.max_message_bytes)
            except PermissionError:
                raise ConfigError(_denied("syslog", host, port)) from None
            self._closers.append(tcp)
            self.listening["syslog_tcp"] = tcp.sockets[0].getsockname()[:2]

    def close(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._shutdown)
            self._thread.join(10)
        self.pipeline.stop()
        self.poller.stop()
        self.backups.stop()

    def _close_sockets(self) -> None:
        for sock in self.udp_sockets:
            sock.close()
        self.udp_sockets.clear()

    def _shutdown(self) -> None:
        if self.receiver is not None:
            self.receiver.close()
        for closer in self._closers:
            closer.close()
        assert self._loop is not None
        self._loop.stop()

    def _heard_trap(self, trap: Trap) -> None:
        self.pipeline.offer(Heard(EventSource.TRAP, trap.sender, trap=trap))

    def _heard_syslog(self, sender: str, raw: bytes) -> None:
        self.pipeline.offer(Heard(EventSource.SYSLOG, sender, raw=raw))

    def _trap_credentials(self) -> list[tuple[str, SnmpCommunity | SnmpV3]]:
        """The credentials a trap may carry: those named in ``events.traps`` and, unless
        told otherwise, the registered devices' own. One that cannot be used is skipped
        with a warning naming it (never its secret)."""
        names = list(self.config.traps.credentials)
        if self.config.traps.accept_device_credentials:
            with self.collector.db.read() as s:
                names += [d.snmp_credential for d in register.list_devices(s)
                          if d.snmp_credential]
        out = []
        for name in dict.fromkeys(names):
            try:
                out.append((name, self.collector.credentials.snmp(name)))
            except ConfigError as exc:
                log.warning("events: traps with credential %s are refused: %s", name, exc)
        return out

    def _backup_devices(self) -> set[str]:
        """The devices a configuration-change message may trigger a backup of."""
        with self.collector.db.read() as s:
            return {d.name for d in register.ssh_devices(s)}

    def _poll(self, device: str) -> None:
        from muniops.collector.snmp.runtime import SnmpRuntime

        snmp = runtime_of(self.collector, SnmpRuntime)
        if snmp is None:
            return
        with self.collector.db.read() as s:
            if device not in {d.name for d in register.polled(s)}:
                return  # an SSH-only device: nothing to poll
        snmp.runner.run([device])
        snmp.metrics_collector.refresh()

    def _backup(self, device: str) -> None:
        from muniops.collector.ssh.runtime import SshRuntime

        ssh = runtime_of(self.collector, SshRuntime)
        if ssh is not None:
            ssh.run(self.config.backup_playbook, actor=f"event:{device}", only=[device])


def _denied(what: str, host: str, port: int) -> str:
    return (f"{what} on {host}:{port}: permission denied (a port below 1024 needs root or "
            "CAP_NET_BIND_SERVICE, or a port mapping: see the README)")


def _udp_socket(what: str, host: str, port: int, buffer: int) -> socket.socket:
    try:
        sock = open_socket(host, port, buffer)
    except PermissionError:
        raise ConfigError(_denied(what, host, port)) from None
    got = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2  # Linux reports double
    if got < buffer:
        log.warning("events: the %s socket's receive buffer is %d bytes, not the %d asked: "
                    "raise net.core.rmem_max to keep bursts", what, got, buffer)
    return sock
