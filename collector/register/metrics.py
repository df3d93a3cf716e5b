"""Prometheus metrics that mirror the register: built fresh from the store on each scrape
(a custom collector, as client_python recommends), so they can never drift from it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from muniops.inventory.db import Database
from muniops.inventory.models import Asset, AssetStatus, RepairTicket, Site
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)



class InventoryMetrics(PromCollector):
    """Asset counts by kind, state and site; open repairs; warranties ending soon."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("muniops_store_up", "Whether the inventory store answered.")
        try:
            families = list(self._families())
        except SQLAlchemyError as exc:
            log.warning("metrics: the store did not answer: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> Iterator[Metric]:
        assets = GaugeMetricFamily("muniops_assets", "Assets in the register.",
                                   labels=["kind", "status", "site"])
        repairs = GaugeMetricFamily("muniops_repair_tickets_open",
                                    "Repair tickets whose part has not come back.",
                                    labels=["site"])
        expiring = GaugeMetricFamily("muniops_warranty_expiring_assets",
                                     "Assets in service whose warranty ends within 30 days.",
                                     labels=["site"])
        with self.db.read() as s:
            sites = {sid: name for sid, name in s.exec(select(Site.id, Site.name))}
            for kind, status, site_id, n in s.exec(
                select(Asset.kind, Asset.status, Asset.site_id, func.count())
                .group_by(col(Asset.kind), col(Asset.status), col(Asset.site_id))
            ):
                assets.add_metric([str(kind), str(status), sites.get(site_id, "")], n)
            for site_id, n in s.exec(
                select(Asset.site_id, func.count())
                .join(RepairTicket, col(RepairTicket.asset_id) == Asset.id)
                .where(col(RepairTicket.returned_at).is_(None))
                .group_by(col(Asset.site_id))
            ):
                repairs.add_metric([sites.get(site_id, "")], n)
            today = utcnow().date()
            for site_id, n in s.exec(
                select(Asset.site_id, func.count())
                .where(col(Asset.warranty_end) >= today,
                       col(Asset.warranty_end) < today + timedelta(days=30),
                       Asset.status != AssetStatus.RETIRED)
                .group_by(col(Asset.site_id))
            ):
                expiring.add_metric([sites.get(site_id, "")], n)
        yield from (assets, repairs, expiring)
