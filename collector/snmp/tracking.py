"""What one poll means given the previous one: events (unreachable and back, reboots,
interfaces going up or down, counter discontinuities) and counters that never go back.

Device counters wrap (32-bit ones within minutes on a busy gigabit port) and restart at a
reboot. The exported counter is the sum of the increases we saw: a 32-bit wrap adds what
went past the top, a reboot or any other decrease adds nothing, so a rate is never
negative and never absurd."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from muniops.collector.snmp.poller import PollResult, Reading
from muniops.inventory.models.snmp import DeviceState, SnmpEventKind

Event = tuple[SnmpEventKind, str, str]
STATE_FACT = "_tracked"  # facts key holding the values events compare against


def series_key(reading: Reading) -> str:
    labels = ",".join(f"{k}={v}" for k, v in sorted(reading.labels.items()))
    return f"{reading.metric}{{{labels}}}"


@dataclass
class _Counter:
    raw: float
    bits: int
    total: float = 0.0


@dataclass
class Tracker:
    """Kept by the running collector across cycles (one per process)."""

    counters: dict[tuple[str, str], _Counter] = field(default_factory=dict)

    def forget(self, device: str) -> None:
        for key in [k for k in self.counters if k[0] == device]:
            del self.counters[key]

    def total(self, device: str, reading: Reading) -> float:
        c = self.counters.get((device, series_key(reading)))
        return c.total if c is not None else 0.0

    def observe(self, result: PollResult, prev_state: DeviceState | None,
                prev_uptime: int | None, prev_facts: dict[str, Any] | None) -> list[Event]:
        """Events for this poll; updates counter totals and ``result.facts[_tracked]``."""
        events: list[Event] = []
        if result.state == "down":
            if prev_state in (DeviceState.UP, DeviceState.PARTIAL):
                events.append((SnmpEventKind.UNREACHABLE, "", result.reason))
            return events
        if prev_state == DeviceState.DOWN:
            events.append((SnmpEventKind.REACHABLE, "", ""))
        rebooted = (prev_uptime is not None and result.uptime_ticks is not None
                    and result.uptime_ticks < prev_uptime)
        if rebooted:
            events.append((SnmpEventKind.REBOOT, "", f"sysUpTime went from {prev_uptime} to "
                           f"{result.uptime_ticks} hundredths of a second"))
        previous = (prev_facts or {}).get(STATE_FACT) or {}
        tracked: dict[str, float] = {}
        reset: list[str] = []
        for reading in result.readings:
            key = series_key(reading)
            if reading.events:
                tracked[key] = reading.value
                before = previous.get(key)
                if before is not None and (before == 1) != (reading.value == 1):
                    kind = (SnmpEventKind.INTERFACE_UP if reading.value == 1
                            else SnmpEventKind.INTERFACE_DOWN)
                    subject = reading.labels.get("interface") or key
                    events.append((kind, subject, f"oper status {before:g} -> "
                                   f"{reading.value:g}"))
            if reading.type == "counter" and self._count(result.device, key, reading, rebooted):
                reset.append(reading.labels.get("interface") or reading.metric)
        if reset:
            events.append((SnmpEventKind.COUNTER_DISCONTINUITY, reset[0],
                           f"{len(reset)} counter(s) went back without a reboot"))
        result.facts[STATE_FACT] = tracked
        return events

    def _count(self, device: str, key: str, reading: Reading, rebooted: bool) -> bool:
        """Add this reading's increase; True when the counter went back unexplained."""
        slot = (device, key)
        raw = float(reading.raw)
        c = self.counters.get(slot)
        if c is None or c.bits != reading.bits:
            self.counters[slot] = _Counter(raw, reading.bits)
            return False
        delta = raw - c.raw
        unexplained = False
        if delta < 0:
            span = 2.0 ** reading.bits
            # a wrap: the old value was in the top half and the new one in the bottom half
            if reading.bits == 32 and not rebooted and c.raw >= span / 2 and raw < span / 2:
                delta += span
            else:
                delta = 0.0  # restarted from zero: count nothing, never negative
                unexplained = not rebooted
        c.total += delta * (reading.value / raw if raw else 1.0)
        c.raw = raw
        return unexplained
