"""The outbox and the central's applied-keys ledger on their own: a key queued twice is
one item, batches are cut to fit the central's body limit and survive reopening; the
central applies an item once, refuses a batch that would break the order or names a kind
it does not know, and keeps an item it refuses on purpose in the ledger with why."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from muniops.collector.district.outbox import Outbox
from muniops.inventory import agents, district
from muniops.inventory.db import Database
from muniops.inventory.errors import Conflict, InvalidInput
from muniops.inventory.models import DistrictApplied, DistrictCollector
from muniops.inventory.schemas import SiteCreate
from muniops.inventory.sites import add_site


def test_outbox_keeps_order_once_per_key_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path)
    assert box.put("agent.report", "k1", {"n": 1})
    assert not box.put("agent.report", "k1", {"n": 1})  # the same thing sent again
    for n in range(2, 6):
        box.put("agent.report", f"k{n}", {"n": n, "pad": "x" * 1000})
    box.close()
    box = Outbox(path)
    assert [q.body["n"] for q in box.peek(10)] == [1, 2, 3, 4, 5]
    assert len(box.peek(10, max_bytes=2500)) == 2  # cut to fit, never empty
    assert len(box.peek(10, max_bytes=1)) == 1
    first = box.peek(2)
    assert box.ack(first[-1].seq) == 2
    assert [q.body["n"] for q in box.peek(10)] == [3, 4, 5]
    assert box.depth()[0] == 3
    assert path.stat().st_mode & 0o777 == 0o600
    box.put("agent.report", "k9", {"n": 9})
    assert box.peek(10)[-1].seq > first[-1].seq + 3  # sequence numbers are never reused


def _enrolled(db: Database) -> DistrictCollector:
    with db.write() as s:
        add_site(s, SiteCreate(name="North Office", district="north"), actor="t")
        _row, secret = agents.create_enrollment_secret(s, "North Office", actor="t")
    with db.write() as s:
        with pytest.raises(InvalidInput):
            district.enroll(s, "me_wrong", "north-1")
        found, token = district.enroll(s, secret, "north-1")
        assert district.authenticate(s, token) is not None
        assert district.authenticate(s, token + "x") is None
    return found


def _apply(db: Database, items: list[district.Item]) -> district.BatchResult:
    with db.write() as s:
        row = s.exec(select(DistrictCollector)).one()
        return district.apply_batch(s, row, items)


def test_central_applies_once_in_order_and_keeps_refusals(db: Database) -> None:
    _enrolled(db)
    bad = district.Item(1, "agent.report:x", "agent.report", {"agent": {}, "report": {}})
    done = _apply(db, [bad])
    assert (done.applied, done.refused, done.through) == (0, 1, 1)
    again = _apply(db, [bad])
    assert (again.duplicates, again.refused, again.through) == (1, 0, 1)
    with db.read() as s:
        kept = s.exec(select(DistrictApplied)).one()
        assert kept.outcome == "refused" and "not an agent report" in kept.detail
    with pytest.raises(Conflict):  # older than the last applied and never seen: out of order
        _apply(db, [district.Item(1, "agent.report:y", "agent.report", {})])
    with pytest.raises(InvalidInput, match="unknown item kind"):
        _apply(db, [district.Item(2, "snmp.event:1", "snmp.event", {})])
    with pytest.raises(InvalidInput, match="increasing"):
        _apply(db, [district.Item(5, "a", "agent.report", {}),
                    district.Item(4, "b", "agent.report", {})])
