"""The licence report: installations without a licence, products deployed on more hosts
than they have seats, licences expiring or expired, and software on the deny list."""

from __future__ import annotations

from sqlmodel import Session, func, select

from muniops.collector.reports.model import (
    Chart,
    ChartKind,
    Column,
    ColumnType,
    Report,
    Section,
)
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import licences
from muniops.inventory.licences import Install
from muniops.inventory.models.agents import HostFacts
from muniops.inventory.software_rules import load_rules

T = ColumnType


def _installs(key: str, rows: list[Install]) -> Section:
    return Section(key, [Column("asset"), Column("hostname"), Column("site"),
                         Column("product"), Column("version"), Column("installed_as")],
                   [(i.asset, i.hostname, i.site, i.product, i.version, i.raw_name)
                    for i in rows])


def licence_report(session: Session, req: ReportRequest) -> Report:
    rules = load_rules(req.licences.rules)
    result = licences.check(session, rules, req.today, req.days or req.licences.expiring_days,
                            scope=req.scope)
    scoped = [s for s in (req.site,) if s]
    unlicensed = [i for i in result.unlicensed if not scoped or i.site in scoped]
    denied = [i for i in result.denied if not scoped or i.site in scoped]
    counts = sorted(result.products.values(), key=lambda p: p.product)
    names = {r.key: r.name or r.key for r in rules.products}
    by_product = Section("by_product", [
        Column("product"), Column("installs", T.INT), Column("seats", T.INT),
        Column("unlicensed", T.INT)],
        [(names.get(p.product, p.product), p.installs, p.seats, p.unlicensed) for p in counts])
    over = Section("over_deployed", [Column("product"), Column("installs", T.INT),
                                     Column("seats", T.INT), Column("missing_seats", T.INT)],
                   [(names.get(p.product, p.product), p.installs, p.seats,
                     p.installs - p.seats) for p in result.over_deployed()])
    expiring = Section("licences_expiring", [
        Column("licence", T.INT), Column("product"), Column("edition"), Column("seats", T.INT),
        Column("expires_on", T.DATE), Column("days_left", T.INT)],
        [(lic.id, lic.product, lic.edition, lic.seats, lic.expires_on, days)
         for lic, days in result.expiring])
    sections = [by_product, _installs("unlicensed_installs", unlicensed), over, expiring,
                _installs("denied_software", denied)]
    if not session.exec(select(func.count()).select_from(HostFacts)).one():
        for sec in (by_product, sections[1], over, sections[4]):
            sec.missing_source = "agent"
    charts = [Chart("chart_licences", [names.get(p.product, p.product) for p in counts],
                    [("installs", [float(p.installs) for p in counts]),
                     ("seats", [float(p.seats) for p in counts])], ChartKind.HBAR)] \
        if counts else []
    return Report("licences", req.now, req.settings.timezone,
                  summary=[("hosts", result.hosts, T.INT),
                           ("unlicensed_installs", len(unlicensed), T.INT),
                           ("over_deployed", len(over.rows), T.INT),
                           ("licences_expiring", len(expiring.rows), T.INT),
                           ("denied_software", len(denied), T.INT),
                           ("unknown_packages", result.unknown_packages, T.INT)],
                  sections=sections, charts=charts)
