"""How a backup's state is judged: deadlines in the site's day, the last attempt failing
after the last success, shrinkage beyond the policy, and the trend kept at ingest."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import select

from muniops.inventory import backups
from muniops.inventory.agent_schema import BackupFinding
from muniops.inventory.backup_policy import BackupRule, BackupSettings
from muniops.inventory.db import Database
from muniops.inventory.models import Asset, AssetKind
from muniops.inventory.models.backups import BackupSample, BackupStatus
from muniops.inventory.pm_evidence import capture

SETTINGS = BackupSettings()
TEHRAN = "Asia/Tehran"  # UTC+03:30


def _rule(**kw: object) -> BackupRule:
    return BackupRule.model_validate({"name": "oa", "source": "files", "path": "/b/*",
                                      "applies_to": {"sites": ["City Hall"]}, **kw})


def _row(last: datetime | None, **kw: object) -> BackupStatus:
    return BackupStatus(asset_id=1, name="oa", source="files", status="found",
                        last_success_at=last, checked_at=last or datetime.now(UTC), **kw)


def test_daily_by_six_in_the_sites_zone() -> None:
    rule = _rule(every_hours=24, due_by=time(6, 0))
    made = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)  # 23:00 in Tehran, Dec 1
    # 05:59 Tehran on Dec 3: the Dec 3 06:00 deadline has not come; Dec 2's is met
    before = datetime(2026, 12, 3, 2, 29, tzinfo=UTC)
    assert backups.judge(_row(made), rule, SETTINGS, TEHRAN, before)[0] == "ok"
    # 06:01 Tehran on Dec 3: a backup made since Dec 2 06:00 was due; Dec 1 23:00 is not
    after = datetime(2026, 12, 3, 2, 31, tzinfo=UTC)
    state, reason = backups.judge(_row(made), rule, SETTINGS, TEHRAN, after)
    assert state == "late" and "due since 2026-12-02 02:30 UTC" in reason
    # the same moments in UTC's day give other answers: the zone is the site's
    assert backups.judge(_row(made), rule, SETTINGS, "UTC", after)[0] == "ok"


def test_every_hours_with_grace() -> None:
    rule = _rule(every_hours=6, grace_hours=1)
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert backups.judge(_row(now - timedelta(hours=6, minutes=59)), rule, SETTINGS, None,
                         now)[0] == "ok"
    assert backups.judge(_row(now - timedelta(hours=7, minutes=1)), rule, SETTINGS, None,
                         now)[0] == "late"


def test_failed_missing_and_suspect() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    rule = _rule()
    fresh = now - timedelta(hours=3)
    tried = _row(fresh, last_attempt_at=now - timedelta(hours=1), last_result="failed",
                 detail="last backup failed (HRESULT 0x80780119)")
    assert backups.judge(tried, rule, SETTINGS, None, now) == ("failed", tried.detail)
    earlier_fail = _row(fresh, last_attempt_at=fresh - timedelta(days=1), last_result="failed")
    assert backups.judge(earlier_fail, rule, SETTINGS, None, now)[0] == "ok"
    assert backups.judge(None, rule, SETTINGS, None, now)[0] == "missing"
    error = BackupStatus(asset_id=1, name="oa", source="restic", status="error",
                         detail="restic exited 1: wrong password", checked_at=now)
    assert backups.judge(error, rule, SETTINGS, None, now) == ("failed", error.detail)
    shrunk = _row(fresh, size_bytes=790, previous_size_bytes=1000)
    assert backups.judge(shrunk, rule, SETTINGS, None, now)[0] == "suspect"  # 21 % > 20 %
    assert backups.judge(_row(fresh, size_bytes=810, previous_size_bytes=1000), rule,
                         SETTINGS, None, now)[0] == "ok"
    assert backups.judge(shrunk, _rule(max_shrink_percent=25), SETTINGS, None, now)[0] == "ok"


def test_policy_is_strict_and_names_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="needs a path"):
        BackupRule.model_validate({"name": "x", "source": "restic", "applies_to": {}})
    with pytest.raises(ValidationError, match="unique"):
        BackupSettings.model_validate({"policies": [
            {"name": "x", "source": "wsb", "applies_to": {}}] * 2})
    with pytest.raises(ValidationError, match="extra"):
        _rule(password="hunter2")


def _finding(made: datetime, size: int) -> BackupFinding:
    return BackupFinding(name="oa", source="restic", status="found", last_success=made,
                         size_bytes=size, files=3, count=1)


def test_record_keeps_the_previous_backup_and_one_sample_each(sqlite_db: Database) -> None:
    day = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    with sqlite_db.write() as s:
        asset = Asset(kind=AssetKind.SERVER, hostname="srv-oa")
        s.add(asset)
        s.flush()
        assert asset.id is not None
        backups.record(s, asset.id, [_finding(day, 1000)], day)
        backups.record(s, asset.id, [_finding(day, 1000)], day + timedelta(hours=4))  # same
        backups.record(s, asset.id, [_finding(day + timedelta(days=1), 600)],
                       day + timedelta(days=1))
        asset_id = asset.id
    with sqlite_db.read() as s:
        row = s.exec(select(BackupStatus)).one()
        assert (row.size_bytes, row.previous_size_bytes) == (600, 1000)
        assert row.previous_success_at == day
        assert backups.shrink_ratio(row) == pytest.approx(0.4)
        sizes = [x.size_bytes for x in s.exec(select(BackupSample).order_by(
            BackupSample.made_at))]  # type: ignore[arg-type]
        assert sizes == [1000, 600]
        asset = s.get(Asset, asset_id)
        assert asset is not None
        # a server's PM evidence names its backups (when the agent reported any facts)
        from muniops.inventory.models import HostFacts

        s.add(HostFacts(asset_id=asset_id, reported_at=day))
        s.flush()
        ev = capture(s, asset)
        assert ev["backups"][0]["backup"] == "oa" and ev["backups"][0]["size_bytes"] == 600
        assert "state" not in ev["backups"][0]  # no policy given: the facts only
        policy = BackupSettings(policies=[_rule(source="restic", every_hours=48)])
        (judged,) = capture(s, asset, policy)["backups"]
        assert judged["state"] == "suspect" and "40% smaller" in judged["reason"]


def test_both_exposition_paths_give_the_same_samples(sqlite_db: Database) -> None:
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from muniops.collector.backups.metrics import BackupMetrics
    from muniops.inventory.models import Agent, Site

    now = datetime.now(UTC)
    with sqlite_db.write() as s:
        site = Site(name="City Hall", district="Center")
        s.add(site)
        s.flush()
        asset = Asset(kind=AssetKind.SERVER, hostname="srv-oa", site_id=site.id)
        s.add(asset)
        s.flush()
        s.add(Agent(uid="u1", token_hash="h1", prefix="p", asset_id=asset.id))
        s.add(BackupStatus(asset_id=asset.id or 0, name="oa", source="files", status="found",
                           last_success_at=now - timedelta(hours=1), size_bytes=70,
                           previous_size_bytes=100, checked_at=now))
    settings = BackupSettings.model_validate({"policies": [
        {"name": "oa", "source": "files", "path": "/b/*",
         "applies_to": {"sites": ["City Hall"]}},
        {"name": "gone", "source": "wsb", "applies_to": {"hostnames": ["srv-*"]}}]})
    metrics = BackupMetrics(sqlite_db, lambda: settings)

    def samples(text: str) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:
        return {(x.name, tuple(sorted(x.labels.items())), x.value)
                for fam in text_string_to_metric_families(text) for x in fam.samples}

    registry = CollectorRegistry()
    registry.register(metrics)
    fast, slow = samples(metrics.exposition()), samples(generate_latest(registry).decode())
    assert fast == slow
    assert samples(metrics.exposition()) == fast  # the cached text, served again
    states = {dict(labels)["backup"]: dict(labels)["state"] for name, labels, value in fast
              if name == "muniops_backup_state" and value == 1}
    assert states == {"oa": "suspect", "gone": "missing"}  # 30 % smaller than allowed 20 %
