"""From what the receivers heard to events, counters and actions.

The receivers only put what arrives on a bounded queue (a full queue is counted as a
drop, never a stall of the receiving loop). One thread drains it in batches: it finds
the sending device by its address in the register (a sender not registered is counted
and recorded as unknown, never trusted), names the trap or matches the syslog rules,
writes the batch's events in one transaction and asks for the polls and backups they
call for, each debounced per device (``Debouncer``)."""

from __future__ import annotations

import heapq
import logging
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from muniops.collector.district.outbound import Send, key_of
from muniops.collector.events.rules import Action, SyslogRules, TrapRules
from muniops.collector.events.syslog import parse
from muniops.collector.events.traps import Trap
from muniops.inventory import events as store
from muniops.inventory.db import Database
from muniops.inventory.models.events import EventSource
from muniops.playbooks.text import redact

log = logging.getLogger(__name__)

UNKNOWN = ""  # the device label of senders not in the register
ADDRESSES_TTL = 30.0  # seconds a read of the register's addresses is used
MISS_TTL = 5.0  # an unknown sender reads them again, at most this often
UNKNOWN_RECORD_EVERY = 60.0  # one stored "unknown sender" event per address per minute
BATCH = 5000


class Debouncer:
    """Runs ``action(key)`` in a thread of its own, ``delay`` seconds after the first
    request for a key, and no sooner than ``min_interval`` after its last run for that
    key: a burst of requests is one run. Counts runs and failures per key."""

    def __init__(self, name: str, action: Callable[[str], None], *, delay: float,
                 min_interval: float) -> None:
        self.name, self.action = name, action
        self.delay, self.min_interval = delay, min_interval
        self.pending: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.runs: Counter[tuple[str, str]] = Counter()  # (key, ok|failed)
        self._heap: list[tuple[float, str]] = []
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name=f"events-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request(self, key: str) -> bool:
        """Ask for a run; False when one is already pending for ``key``."""
        now = time.monotonic()
        with self._cond:
            if key in self.pending:
                return False
            due = max(now + self.delay, self.last.get(key, -1e18) + self.min_interval)
            self.pending[key] = due
            heapq.heappush(self._heap, (due, key))
            self._cond.notify()
            return True

    def run_counts(self) -> dict[tuple[str, str], int]:
        with self._cond:
            return dict(self.runs)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(60)

    def _next(self) -> str | None:
        with self._cond:
            while not self._stopping:
                if self._heap and self._heap[0][0] <= time.monotonic():
                    _, key = heapq.heappop(self._heap)
                    return key
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                self._cond.wait(wait)
            return None

    def _loop(self) -> None:
        while (key := self._next()) is not None:
            started = time.monotonic()
            with self._cond:
                self.pending.pop(key, None)
                self.last[key] = started
            try:
                self.action(key)
                outcome = "ok"
            except Exception:  # one device's failure must not end the thread; said in full
                log.exception("events: %s of %s failed", self.name, key)
                outcome = "failed"
            with self._cond:
                self.runs[(key, outcome)] += 1
            log.info("events: %s of %s: %s in %.1fs", self.name, key, outcome,
                     time.monotonic() - started)


@dataclass
class Counts:
    """What the receivers heard, for /metrics (under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    traps: Counter[tuple[str, str]] = field(default_factory=Counter)  # (device, kind)
    syslog: Counter[tuple[str, str]] = field(default_factory=Counter)  # (device, severity)
    syslog_events: Counter[tuple[str, str]] = field(default_factory=Counter)  # (device, kind)
    dropped: Counter[str] = field(default_factory=Counter)  # by stage
    stored: int = 0


@dataclass(frozen=True)
class Heard:
    source: EventSource
    sender: str
    trap: Trap | None = None
    raw: bytes = b""
    at: float = field(default_factory=time.time)


class EventPipeline:
    def __init__(self, db: Database, trap_rules: TrapRules, syslog_rules: SyslogRules, *,
                 queue_size: int, extra_addresses: Callable[[], dict[str, set[str]]],
                 poller: Debouncer | None = None, backups: Debouncer | None = None,
                 backup_devices: Callable[[], set[str]] = set) -> None:
        self.db = db
        self.forward: Send | None = None  # set on a district collector (outbound.sender)
        self.trap_rules, self.syslog_rules = trap_rules, syslog_rules
        self.queue: queue.Queue[Heard] = queue.Queue(queue_size)
        self.counts = Counts()
        self.extra_addresses = extra_addresses
        self.poller, self.backups, self.backup_devices = poller, backups, backup_devices
        self._addresses: dict[str, set[str]] = {}
        self._addresses_at = -1e18
        self._unknown_at: dict[str, float] = {}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="events-pipeline", daemon=True)

    # receiving side (the asyncio loop's thread): never blocks
    def offer(self, heard: Heard) -> None:
        try:
            self.queue.put_nowait(heard)
        except queue.Full:
            with self.counts.lock:
                self.counts.dropped["queue"] += 1

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def _loop(self) -> None:
        while not (self._stopping.is_set() and self.queue.empty()):
            try:
                batch = [self.queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            self.handle(batch)

    def handle(self, batch: Sequence[Heard]) -> None:
        """Count, name and store one batch; ask for its polls and backups."""
        new: list[store.NewEvent] = []
        actions: set[tuple[Action, str]] = set()
        for heard in batch:
            device = self.device_at(heard)
            if heard.trap is not None:
                self._trap(heard, heard.trap, device, new, actions)
            else:
                self._syslog(heard, device, new, actions)
        if new and self.forward is not None:  # a district's: the central hears it too
            self.forward("device.events", key_of("device.events", uuid.uuid4().hex),
                         {"events": [store.event_json(e) for e in new]})
        if new:
            try:
                with self.db.write() as s:
                    store.record_events(s, new)
                with self.counts.lock:
                    self.counts.stored += len(new)
            except SQLAlchemyError as exc:
                log.error("events: %d event(s) not stored: %s", len(new), type(exc).__name__)
                with self.counts.lock:
                    self.counts.dropped["store"] += len(new)
        for action, device in sorted(actions):
            if action == "poll" and self.poller is not None:
                self.poller.request(device)
            elif action == "backup" and self.backups is not None:
                if device in self.backup_devices():
                    self.backups.request(device)
                else:
                    log.info("events: config change on %s, which no SSH device is", device)

    def _trap(self, heard: Heard, trap: Trap, device: str, new: list[store.NewEvent],
              actions: set[tuple[Action, str]]) -> None:
        if device == UNKNOWN:
            self._unknown(heard, new, f"{trap.version} {trap.trap_oid}")
            with self.counts.lock:
                self.counts.traps[(UNKNOWN, "unknown_sender")] += 1
            return
        event = self.trap_rules.classify(trap.trap_oid, trap.varbinds)
        with self.counts.lock:
            self.counts.traps[(device, event.kind if event else "unnamed")] += 1
        if event is None:
            return
        new.append(store.NewEvent(
            EventSource.TRAP, event.kind, sender=heard.sender, device=device,
            severity=event.severity, subject=event.subject, detail=event.name,
            data={"oid": trap.trap_oid, "version": trap.version, "credential": trap.security,
                  "varbinds": dict(trap.varbinds)}, at=_utc(heard.at)))
        if event.action != "none":
            actions.add((event.action, device))

    def _syslog(self, heard: Heard, device: str, new: list[store.NewEvent],
                actions: set[tuple[Action, str]]) -> None:
        msg = parse(heard.raw)
        with self.counts.lock:
            self.counts.syslog[(device, msg.severity)] += 1
        if device == UNKNOWN:
            self._unknown(heard, new, msg.line[:200])
            return
        found = self.syslog_rules.match(msg.line)
        if found is None:
            return
        with self.counts.lock:
            self.counts.syslog_events[(device, found.kind)] += 1
        # a logged command may carry a password: the redaction rules (anchored at the
        # start of a configuration line) see the captured detail, and the line keeps it
        detail = redact(found.detail)
        line = redact(msg.line.replace(found.detail, detail) if found.detail else msg.line)
        new.append(store.NewEvent(
            EventSource.SYSLOG, found.kind, sender=heard.sender, device=device,
            severity=found.severity or msg.severity, subject=found.subject,
            detail=detail or line, data={"rule": found.rule, "line": line},
            at=_utc(heard.at)))
        if found.action != "none":
            actions.add((found.action, device))

    def _unknown(self, heard: Heard, new: list[store.NewEvent], what: str) -> None:
        """Record a sender not in the register, once a minute per address."""
        last = self._unknown_at.get(heard.sender)
        if last is not None and heard.at - last < UNKNOWN_RECORD_EVERY:
            return
        self._unknown_at[heard.sender] = heard.at
        new.append(store.NewEvent(heard.source, "unknown_sender", sender=heard.sender,
                                  severity="warning", detail=what, at=_utc(heard.at)))

    def device_at(self, heard: Heard) -> str:
        """The registered device that sent this, by its address; when several devices
        share the address, the one the syslog HOSTNAME names, else none."""
        names = self.addresses().get(heard.sender, set())
        if not names:  # a device registered since the last read is known within seconds
            names = self.addresses(MISS_TTL).get(heard.sender, set())
        if len(names) == 1:
            return next(iter(names))
        if names and heard.raw:
            host = parse(heard.raw).hostname
            if host in names:
                return host
        return UNKNOWN

    def addresses(self, max_age: float = ADDRESSES_TTL) -> dict[str, set[str]]:
        """The registered devices' addresses, read again when older than ``max_age``."""
        now = time.monotonic()
        if now - self._addresses_at > max_age:
            try:
                with self.db.read() as s:
                    found = {a: {d.name for d in ds}
                             for a, ds in store.devices_by_address(s).items()}
            except SQLAlchemyError as exc:
                log.warning("events: register not read (%s); keeping the last addresses",
                            type(exc).__name__)
                return self._addresses
            for address, names in self.extra_addresses().items():
                found.setdefault(address, set()).update(names)
            self._addresses, self._addresses_at = found, now
        return self._addresses


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
