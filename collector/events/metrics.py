"""Metrics of the receivers: traps by device and kind, syslog messages by device and
severity, events by device and kind, what was refused (wrong community or v3 key) or
dropped (kernel buffer, full queue), and the polls and backups events asked for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector

from muniops.collector.events.sockets import socket_drops

if TYPE_CHECKING:
    from muniops.collector.events.runtime import EventsRuntime


class EventMetrics(PromCollector):
    def __init__(self, runtime: EventsRuntime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        rt = self.runtime
        counts = rt.pipeline.counts
        traps = CounterMetricFamily(
            "muniops_traps_received", "SNMP notifications received, by sending device "
            "(\"\" for senders not in the register) and kind (\"unnamed\": no trap rule).",
            labels=["device", "kind"])
        logs = CounterMetricFamily(
            "muniops_syslog_messages", "Syslog messages received, by device and severity.",
            labels=["device", "severity"])
        events = CounterMetricFamily(
            "muniops_syslog_events", "Syslog messages a rule made an event of, by kind.",
            labels=["device", "kind"])
        dropped = CounterMetricFamily(
            "muniops_events_dropped", "Traps and syslog messages lost: kernel (a UDP "
            "socket's buffer was full), queue (handling fell behind), store (not written).",
            labels=["stage"])
        with counts.lock:
            for (device, kind), n in sorted(counts.traps.items()):
                traps.add_metric([device, kind], n)
            for (device, severity), n in sorted(counts.syslog.items()):
                logs.add_metric([device, severity], n)
            for (device, kind), n in sorted(counts.syslog_events.items()):
                events.add_metric([device, kind], n)
            drops = dict(counts.dropped)
            stored = counts.stored
        drops["kernel"] = sum(socket_drops(sock) or 0 for sock in rt.udp_sockets)
        for stage in ("kernel", "queue", "store"):
            dropped.add_metric([stage], drops.get(stage, 0))
        yield from (traps, logs, events, dropped)
        refused = CounterMetricFamily(
            "muniops_traps_refused", "SNMP messages refused by the trap receiver, by "
            "reason (bad_community, wrong_digest, unknown_user...).", labels=["reason"])
        for reason, n in sorted((rt.receiver.refused() if rt.receiver else {}).items()):
            refused.add_metric([reason], n)
        yield refused
        yield CounterMetricFamily("muniops_events_stored", "Device events written to the "
                                  "store by the receivers.", value=stored)
        actions = CounterMetricFamily(
            "muniops_event_actions", "Polls and backups that traps and syslog asked for, "
            "by device, action and outcome (debounced: a burst is one).",
            labels=["device", "action", "outcome"])
        for name, deb in (("poll", rt.poller), ("backup", rt.backups)):
            for (device, outcome), n in sorted(deb.run_counts().items()):
                actions.add_metric([device, name, outcome], n)
        yield actions
        backlog = GaugeMetricFamily("muniops_events_queue_length",
                                    "Received traps and messages not handled yet.",
                                    value=rt.pipeline.queue.qsize())
        yield backlog
