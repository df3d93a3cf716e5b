"""Software licences in the running collector: the metrics the licence alert rules read.
Registered on the collector's registry by ``collector/service.py``
(``registry.register(LicenceMetrics(db, settings.licences))``)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from time import monotonic

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy.exc import SQLAlchemyError

from muniops.inventory import licences
from muniops.inventory.db import Database
from muniops.inventory.errors import InvalidInput
from muniops.inventory.software_rules import LicenceSettings, load_rules
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)


class LicenceMetrics(PromCollector):
    """Per product: installations needing a licence, seats, installations without one;
    days left per licence with an end date; denied software per site."""

    def __init__(self, db: Database, settings: LicenceSettings, max_age_seconds: float = 300
                 ) -> None:
        self.db = db
        self.settings = settings
        self.max_age_seconds = max_age_seconds
        self._cached: tuple[float, licences.Compliance] | None = None

    def _result(self) -> licences.Compliance:
        """The check, at most ``max_age_seconds`` old: it reads every host's software, which
        a scrape every 15 s must not do; software changes with agent reports, hourly."""
        now = monotonic()
        if self._cached is None or now - self._cached[0] > self.max_age_seconds:
            rules = load_rules(self.settings.rules)
            with self.db.read() as s:
                result = licences.check(s, rules, utcnow().date(), self.settings.expiring_days)
            self._cached = (now, result)
        return self._cached[1]

    def collect(self) -> Iterator[Metric]:
        try:
            result = self._result()
        except (SQLAlchemyError, InvalidInput) as exc:
            log.warning("licence metrics: %s", exc)
            return
        installs = GaugeMetricFamily("muniops_licence_installs",
                                     "Installations of a product that needs a licence.",
                                     labels=["product"])
        seats = GaugeMetricFamily("muniops_licence_seats",
                                  "Seats of the product's licences still in force.",
                                  labels=["product"])
        unlicensed = GaugeMetricFamily("muniops_software_unlicensed_installs",
                                       "Installations no licence covers.", labels=["product"])
        for p in result.products.values():
            installs.add_metric([p.product], p.installs)
            seats.add_metric([p.product], p.seats)
            unlicensed.add_metric([p.product], p.unlicensed)
        ends = GaugeMetricFamily("muniops_licence_end_timestamp_seconds",
                                 "When a licence ends (the end of its last day, UTC), for "
                                 "licences ending within licences.expiring_days or ended.",
                                 labels=["licence", "product"])
        for lic, _left in result.expiring:
            assert lic.expires_on is not None  # only licences with an end date expire
            last = datetime.combine(lic.expires_on + timedelta(days=1), time(), UTC)
            ends.add_metric([str(lic.id), lic.product], last.timestamp())
        denied = GaugeMetricFamily("muniops_software_denied_installs",
                                   "Installations of software on the deny list.",
                                   labels=["product", "site"])
        for (product, site), n in Counter((i.product, i.site) for i in result.denied).items():
            denied.add_metric([product, site], n)
        yield from (installs, seats, unlicensed, ends, denied)
