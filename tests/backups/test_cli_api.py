"""``muniops kpis``, ``muniops report kpis|backups`` and ``/api/v1/kpis``: the same
figures through each edge, bad input named, a liaison kept to their district."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from muniops.collector.core.service import Collector
from muniops.collector.core.settings import load_settings
from muniops.inventory import tokens
from muniops.inventory.db import Database
from muniops.inventory.errors import InvalidInput
from muniops.inventory.models import Asset, AssetKind, AssetStatus, Role, Site
from muniops.inventory.models.pm import PmState, PmTask
from muniops.inventory.types import utcnow
from tests.conftest import Cli

CONFIG = """kpis:
  biweekly_anchor: 2024-01-06
  indicators:
    - {name: pm_completion, target: 0.9}
backups:
  policies:
    - {name: oa, source: files, path: /srv/none/*, applies_to: {sites: [City Hall]}}
"""


def _city(cli: Cli) -> Database:
    """PM tasks due today: City Hall 1 done of 2, North Office 1 done of 1."""
    with cli.config.open("a") as fh:
        fh.write(CONFIG)
    cli.ok("init")
    db = Database(load_settings(cli.config).db_url)
    today = utcnow().date()
    with db.write() as s:
        ch, north = Site(name="City Hall", district="Center"), Site(name="North Office",
                                                                     district="North")
        s.add_all([ch, north])
        s.flush()
        assets = [Asset(asset_tag=f"A-{n}", kind=AssetKind.PC, status=AssetStatus.DEPLOYED,
                        site_id=site.id) for n, site in enumerate((ch, ch, north))]
        s.add_all(assets)
        s.flush()
        for asset, state in zip(assets, (PmState.DONE, PmState.DUE, PmState.DONE),
                                strict=True):
            s.add(PmTask(asset_id=asset.id or 0, policy="default", team="hardware",
                         due_date=today, state=state))
    return db


def _figures(rows: Any) -> dict[tuple[str, str | None], Any]:
    return {(r["district"], r["site"]): r for r in rows}


def test_cli_and_report_show_the_same_figures(cli: Cli) -> None:
    db = _city(cli)
    try:
        rows = _figures(cli.ok("kpis", "show", "--period", "biweekly", "--json").json())
        assert rows[("(all)", None)]["actual"] == 2 / 3
        assert rows[("Center", "City Hall")]["actual"] == 0.5
        assert rows[("North", None)]["met"] is True
        out = cli.ok("report", "kpis", "--period", "biweekly", "--format", "csv").out
        table = list(csv.reader(io.StringIO(out)))
        assert any(r[:1] == ["PM completion"] and "66.67" in r for r in table), table
        bad = cli("report", "kpis", "--period", "weekly")
        assert bad.code == InvalidInput.exit_code and "biweekly" in bad.err
        bad = cli("kpis", "show", "--period", "monthly")
        assert bad.code == InvalidInput.exit_code and "two-monthly" in bad.err
        assert "(none)" in cli.ok("backups").out  # no agent has reported any yet
        html = cli.ok("report", "backups", "--format", "html").out
        assert "Daily backups" in html  # no agent has reported: the section says so
        assert "endpoint agent has stored no reports" in html
    finally:
        db.dispose()


def test_api_figures_and_a_liaisons_district(cli: Cli) -> None:
    db = _city(cli)
    with db.write() as s:
        _, viewer = tokens.create_token(s, "v", Role.VIEWER, actor="t")
        _, liaison = tokens.create_token(s, "l", Role.LIAISON, actor="t", district="North")
    collector = Collector(load_settings(cli.config), db)
    with TestClient(collector.app) as client:
        everything = client.get("/api/v1/kpis?period=biweekly",
                                headers={"Authorization": f"Bearer {viewer}"})
        assert everything.status_code == 200
        assert _figures(everything.json())[("(all)", None)]["actual"] == 2 / 3
        north = client.get("/api/v1/kpis?period=biweekly",
                           headers={"Authorization": f"Bearer {liaison}"}).json()
        assert {r["district"] for r in north} == {"North"}
        wrong = client.get("/api/v1/kpis?period=weekly",
                           headers={"Authorization": f"Bearer {viewer}"})
        assert wrong.status_code in (400, 422) and "period" in wrong.text
        listed = client.get("/api/v1/backups?state=nope",
                            headers={"Authorization": f"Bearer {viewer}"})
        assert listed.status_code in (400, 422) and "state" in listed.text
    db.dispose()
