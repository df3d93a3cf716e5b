"""Prometheus metrics of the SNMP poller, built on each scrape from the latest poll of
every device (a custom collector): device state, the poller's own cost per device, every
reading the profiles define, and the state of each wireless link.

Labels are bounded: device, site, kind, profile, plus the labels a profile names
(interface, sensor...). Counters are the tracker's totals, which never go back."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Literal

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector

from muniops.collector.core.exposition import Family, Owner, Row, VersionedBlocks, render
from muniops.collector.snmp.poller import PollResult
from muniops.collector.snmp.runner import SnmpRunner
from muniops.inventory.models.snmp import LinkState

_LINK_VALUE = {LinkState.OK: 2, LinkState.DEGRADED: 1, LinkState.DOWN: 0}


class SnmpMetrics(PromCollector):
    def __init__(self, runner: SnmpRunner) -> None:
        self.runner = runner
        self._blocks = VersionedBlocks()
        self._families: dict[str, Family] = {}

    def collect(self) -> Iterator[Metric]:
        self.runner.forget_unregistered()
        latest = dict(self.runner.latest)
        yield from self._summary(latest)
        yield from self._readings(latest)

    def exposition(self) -> str:
        """/metrics' fast path (collector/exposition.py): the readings of each device are
        formatted once per poll and reused by every scrape until the next poll."""
        self.runner.forget_unregistered()
        latest = dict(self.runner.latest)
        self._blocks.refresh(self._owners(latest))
        return render(self._summary(latest)) + self._blocks.text()

    def refresh(self) -> None:
        """Format the readings of the devices polled since the last call; the poll job calls
        it after each cycle, so the next scrape finds them ready."""
        self._blocks.refresh(self._owners(dict(self.runner.latest)))

    def _owners(self, latest: dict[str, PollResult]) -> list[Owner]:
        return [(name, res, partial(self._reading_rows, name, res))
                for name, res in sorted(latest.items()) if res.state != "down"]

    def _reading_rows(self, name: str, res: PollResult) -> Iterator[Row]:
        r = self.runner
        site = r.sites.get(name, "")
        for reading in res.readings:
            spec = r.profiles.metric_specs.get(reading.metric)
            if spec is None:
                continue
            labels = {"device": name, "site": site, **reading.labels}
            if reading.type == "counter":
                family = self._family(reading.metric.removesuffix("_total") + "_total",
                                      "counter", spec.help)
                yield family, labels, r.tracker.total(name, reading)
            else:
                yield self._family(reading.metric, "gauge", spec.help), labels, reading.value

    def _family(self, name: str, kind: Literal["gauge", "counter"], doc: str) -> Family:
        family = self._families.get(name)
        if family is None:
            family = self._families[name] = Family(name, kind, doc)
        return family

    def _summary(self, latest: dict[str, PollResult]) -> Iterator[Metric]:
        r = self.runner
        up = GaugeMetricFamily("muniops_snmp_device_up",
                               "Whether the device answered its last poll (1) or not (0).",
                               labels=["device", "site", "kind"])
        partial = GaugeMetricFamily("muniops_snmp_poll_partial",
                                    "Whether the last poll stopped early (budget, errors).",
                                    labels=["device"])
        duration = GaugeMetricFamily("muniops_snmp_poll_duration_seconds",
                                     "How long the device's last poll took.", labels=["device"])
        last = GaugeMetricFamily("muniops_snmp_last_poll_timestamp_seconds",
                                 "When the device was last polled.", labels=["device"])
        varbinds = GaugeMetricFamily("muniops_snmp_poll_varbinds",
                                     "Values read by the device's last poll.", labels=["device"])
        reps = GaugeMetricFamily("muniops_snmp_max_repetitions",
                                 "GETBULK max-repetitions the poller uses for the device.",
                                 labels=["device"])
        for name, res in sorted(latest.items()):
            site = r.sites.get(name, "")
            up.add_metric([name, site, res.kind], 0 if res.state == "down" else 1)
            partial.add_metric([name], 1 if res.state == "partial" else 0)
            duration.add_metric([name], res.duration)
            last.add_metric([name], res.started_at)
            varbinds.add_metric([name], res.varbinds)
            if res.max_repetitions:
                reps.add_metric([name], res.max_repetitions)
        yield from (up, partial, duration, last, varbinds, reps)
        yield from self._poller_counters()
        yield from self._links()

    def _poller_counters(self) -> Iterator[Metric]:
        specs = [("polls", "muniops_snmp_polls", "Polls of the device."),
                 ("failed", "muniops_snmp_poll_failures", "Polls the device did not answer."),
                 ("pdus", "muniops_snmp_pdus", "SNMP requests sent to the device."),
                 ("retries", "muniops_snmp_retries", "SNMP requests sent again after a timeout."),
                 ("errors", "muniops_snmp_errors", "SNMP errors and timeouts from the device.")]
        counts = dict(self.runner.polls)
        for key, name, doc in specs:
            fam = CounterMetricFamily(name, doc, labels=["device"])
            for device, c in sorted(counts.items()):
                fam.add_metric([device], c[key])
            yield fam

    def _readings(self, latest: dict[str, PollResult]) -> Iterator[Metric]:
        """The same rows as the preformatted path, as client_python families."""
        families: dict[str, Metric] = {}
        for name, res in sorted(latest.items()):
            if res.state == "down":
                continue
            for family, labels, value in self._reading_rows(name, res):
                base = family.name.removesuffix("_total") if family.type == "counter" \
                    else family.name
                metric = families.setdefault(family.name, Metric(base, family.help, family.type))
                metric.add_sample(family.name, dict(labels), value)
        yield from families.values()

    def _links(self) -> Iterator[Metric]:
        state = GaugeMetricFamily("muniops_snmp_link_state",
                                  "Wireless link state: 2 ok, 1 degraded, 0 down.",
                                  labels=["link"])
        signal = GaugeMetricFamily("muniops_snmp_link_signal_dbm",
                                   "Worst received signal at each end of a wireless link.",
                                   labels=["link", "end"])
        for link in self.runner.links:
            if link.state in _LINK_VALUE:
                state.add_metric([link.name], _LINK_VALUE[link.state])
            for end, values in (link.readings or {}).items():
                if "signal_dbm" in values:
                    signal.add_metric([link.name, end], values["signal_dbm"])
        yield state
        yield signal
