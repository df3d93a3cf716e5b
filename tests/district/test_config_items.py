"""The central's handlers of what a district's playbooks forward, on the store alone: a
configuration version made by the district side (``collector/ssh/forwarding.py``) is
stored as the central device's next version, once; a backup outcome moves the central's
backup state; compliance results replace the device's. Refused, and kept in the ledger
with why, without the configuration's text in the reason or the log: a device the central
does not know, another district's device, a malformed item."""

from __future__ import annotations

import io
import json
import logging
import urllib.error
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from sqlmodel import select

from muniops.collector.district.link import _detail
from muniops.collector.ssh import forwarding
from muniops.inventory import agents, configs, devices as register, district
from muniops.inventory.db import Database
from muniops.inventory.models import DistrictApplied, DistrictCollector
from muniops.inventory.models.audit import AuditEntry
from muniops.inventory.models.configs import ComplianceResult, ConfigBackupState, Severity
from muniops.inventory.schemas import SiteCreate
from muniops.inventory.sites import add_site
from muniops.inventory.types import utcnow
from muniops.playbooks.runner import DeviceResult

SECRET = "snmp-server community Zq7SecretRO RO"
CONFIG_1 = f"hostname north-sw1\n!\n{SECRET}\n!\nvlan 10\n name STAFF\n!\nend\n"
CONFIG_2 = CONFIG_1.replace("!\nend\n", "!\nvlan 30\n name CAMERAS\n!\nend\n")


@pytest.fixture
def central(db: Database) -> Database:
    """A central store with district north (north-sw1) and district south (south-sw1), and
    the district collector north-1 enrolled."""
    with db.write() as s:
        add_site(s, SiteCreate(name="North Office", district="north"), actor="t")
        add_site(s, SiteCreate(name="South Office", district="south"), actor="t")
        for name, site in (("north-sw1", "North Office"), ("south-sw1", "South Office")):
            register.add_device(s, register.DeviceCreate(
                name=name, address="192.0.2.1", site=site, platform="cisco_ios",
                ssh_credential="ios-admin", kind="switch"), actor="t")
        _row, secret = agents.create_enrollment_secret(s, "North Office", actor="t")
    with db.write() as s:
        district.enroll(s, secret, "north-1")
    return db


class Outbox:
    """What the district side queues, numbered as the outbox would."""

    def __init__(self) -> None:
        self.items: list[district.Item] = []

    def send(self, kind: str, key: str, body: dict[str, Any]) -> None:
        self.items.append(district.Item(len(self.items) + 1, key, kind, body))


def _apply(db: Database, items: list[district.Item]) -> district.BatchResult:
    with db.write() as s:
        row = s.exec(select(DistrictCollector)).one()
        return district.apply_batch(s, row, items)


def _ledger(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as s:
        rows = s.exec(select(DistrictApplied).order_by(DistrictApplied.seq)).all()
        return [(r.kind, r.outcome, r.detail) for r in rows]


def _result(device: str, config: str | None = None, **kw: Any) -> DeviceResult:
    return DeviceResult(device=device, platform="cisco_ios", site="North Office",
                        config=config, **kw)


def _backup(box: Outbox, db: Database, device: str, text: str, at_minutes: int) -> None:
    """The district side of one backup: queue the item against the district's own store
    (here a second, empty store plays it), as ``runs.record`` does."""
    with db.write() as s:
        forwarding.backup(box.send, s, "backup-config", _result(device, text),
                          actor="schedule:backup-config",
                          at=utcnow() + timedelta(minutes=at_minutes))
        configs.record_backup(s, device, text, playbook="backup-config", actor="t")


def test_versions_arrive_once_in_order_with_their_diff(central: Database, tmp_path: Any,
                                                       caplog: pytest.LogCaptureFixture
                                                       ) -> None:
    local = Database(f"sqlite:///{tmp_path / 'district.sqlite3'}")
    from muniops.inventory.migrate import upgrade

    upgrade(local.engine)
    box = Outbox()
    _backup(box, local, "north-sw1", CONFIG_1, 0)
    _backup(box, local, "north-sw1", CONFIG_1, 1)  # the same again: an "unchanged" outcome
    _backup(box, local, "north-sw1", CONFIG_2, 2)
    local.dispose()
    assert [i.kind for i in box.items] == ["config.version", "config.backup", "config.version"]

    done = _apply(central, box.items)
    assert (done.applied, done.refused, done.through) == (3, 0, 3)
    again = _apply(central, box.items)  # the batch again after a lost answer
    assert (again.applied, again.duplicates) == (0, 3)
    with central.read() as s:
        history = configs.history(s, "north-sw1")
        assert [(v.version, v.text) for v in history] == [(1, CONFIG_1), (2, CONFIG_2)]
        assert history[0].collected_at < history[1].collected_at
        old, new = configs.versions_to_compare(s, "north-sw1", None, None)
        diff = configs.unified_diff(old, new)
        state = s.exec(select(ConfigBackupState)
                       .where(ConfigBackupState.device == "north-sw1")).one()
        who = s.exec(select(AuditEntry.actor).where(AuditEntry.action == "config.change")
                     ).all()
    assert list(who) == ["district:north-1 (schedule:backup-config)"] * 2
    assert "+vlan 30\n" in diff and "+ name CAMERAS\n" in diff
    assert state.site == "North Office" and state.last_cause == ""
    assert state.last_success_at == history[1].collected_at
    assert SECRET not in caplog.text


def test_refused_with_why_kept_in_the_ledger_never_the_text(
        central: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    box = Outbox()
    at = utcnow()
    with central.read() as s:
        forwarding.backup(box.send, s, "backup-config", _result("ghost-sw", CONFIG_1),
                          actor="t", at=at)
        forwarding.backup(box.send, s, "backup-config", _result("south-sw1", CONFIG_1),
                          actor="t", at=at)
        forwarding.backup(box.send, s, "backup-config", _result("north-sw1", CONFIG_1),
                          actor="t", at=at)
    tampered = dict(box.items[2].body, text=CONFIG_2)  # the text does not match its hash
    box.items[2] = district.Item(3, "config.version:tampered", "config.version", tampered)
    box.send("config.version", "config.version:no-text",
             {k: v for k, v in box.items[2].body.items() if k != "text"})
    box.send("config.backup", "config.backup:not-latest", {
        "device": "north-sw1", "playbook": "backup-config", "outcome": "unchanged",
        "taken_at": at.isoformat(), "sha256": configs.sha256(CONFIG_1)})
    box.send("compliance.result", "compliance.result:south", {
        "device": "south-sw1", "playbook": "cis-ios", "checked_at": at.isoformat(),
        "checks": []})

    done = _apply(central, box.items)
    assert (done.applied, done.refused, done.through) == (0, 6, 6)
    ledger = _ledger(central)
    assert [outcome for _k, outcome, _d in ledger] == ["refused"] * 6
    details = [d for _k, _o, d in ledger]
    assert "'ghost-sw' (not in the central register)" in details[0]
    assert "'south-sw1': site 'South Office' of district 'south' is outside district 'north'" \
        in details[1]
    assert "the text does not match its sha256" in details[2]
    assert "text: Field required" in details[3]
    assert "not the latest version" in details[4]
    assert "is outside district 'north'" in details[5]
    with central.read() as s:
        assert configs.latest_version(s, "north-sw1") is None
        assert configs.latest_version(s, "south-sw1") is None
    assert not any(SECRET in d for d in details)
    assert "refused" in caplog.text and SECRET not in caplog.text


def test_failures_and_compliance_reach_the_central(central: Database) -> None:
    box = Outbox()
    at = utcnow()
    failed = _result("north-sw1", cause="auth", error="authentication failed for netadmin")
    forwarding.failure(box.send, "backup-config", failed, actor="t", at=at)
    checks = [configs.CheckOutcome("no-telnet", "Telnet is off", Severity.HIGH, False,
                                   "line vty 0 4: transport input telnet", "transport ssh"),
              configs.CheckOutcome("ntp", "NTP is set", Severity.LOW, True)]
    forwarding.compliance(box.send, "cis-ios", _result("north-sw1", checks=checks),
                          actor="t", at=at)

    assert _apply(central, box.items).applied == 2
    with central.read() as s:
        state = s.exec(select(ConfigBackupState)
                       .where(ConfigBackupState.device == "north-sw1")).one()
        assert (state.last_cause, state.last_attempt_at, state.last_success_at) == (
            "auth", at, None)
        rows = configs.compliance_results(s, failing_only=False, device="north-sw1")
        assert [(r.rule, r.passed, r.site, r.checked_at) for r in rows] == [
            ("no-telnet", False, "North Office", at), ("ntp", True, "North Office", at)]

    # the next run's results replace them
    box2 = Outbox()
    forwarding.compliance(box2.send, "cis-ios", _result("north-sw1", checks=checks[1:]),
                          actor="t", at=at + timedelta(days=1))
    assert _apply(central, [district.Item(3, box2.items[0].key, box2.items[0].kind,
                                          box2.items[0].body)]).applied == 1
    with central.read() as s:
        assert [r.rule for r in s.exec(select(ComplianceResult))] == ["ntp"]


def test_a_refused_batch_is_logged_by_where_and_what_never_the_value() -> None:
    """The district logs why the central refused a batch; FastAPI's validation answer
    echoes the input (a configuration's text), the district's reading of it does not."""
    answer = {"detail": [{"type": "string_too_long", "loc": ["body", "items", 0, "key"],
                          "msg": "String should have at most 160 characters",
                          "input": SECRET}]}
    error = urllib.error.HTTPError("https://central/api/v1/district/items", 422,
                                   "Unprocessable", Message(),
                                   io.BytesIO(json.dumps(answer).encode()))
    said = _detail(error)
    assert said == "body.items.0.key: String should have at most 160 characters"
    assert SECRET not in said
