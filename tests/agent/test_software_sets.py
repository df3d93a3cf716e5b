"""Hosts' software stored as shared sets: hosts with one list share one stored set, a host
whose list changes moves (or, alone on its set, edits it), no set is left without a host,
and every reader answers as it did when each host had its own rows."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from muniops.inventory import agents, assets, fleet, migrate, sites, software_sets
from muniops.inventory.agent_policy import SoftwarePolicy
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database
from muniops.inventory.models import Agent, HostFacts, SoftwareSet
from muniops.inventory.schemas import SiteCreate

IMAGE = [{"name": f"pkg-{i:03d}", "version": "1.0", "publisher": "City IT"} for i in range(40)]
START = datetime.now(UTC) - timedelta(hours=1)


def _report(host: str, software: list[dict[str, Any]], minute: int = 0) -> Report:
    return Report.model_validate({
        "schema_version": 1, "report_id": str(uuid.uuid4()), "kind": "full",
        "agent_version": "test", "created_at": (START + timedelta(minutes=minute)).isoformat(),
        "host": {"hostname": host}, "identity": {"hostname": host, "serial": f"S-{host}"},
        "software": software})


@pytest.fixture
def hosts(db: Database) -> dict[str, int]:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall"), actor="t")
        secret = agents.create_enrollment_secret(s, "City Hall", actor="t")[1]
        return {h: agents.enroll(s, secret, h)[0].id or 0 for h in ("pc-1", "pc-2", "pc-3")}


def _send(db: Database, hosts: dict[str, int], host: str, software: list[dict[str, Any]],
          minute: int = 0) -> None:
    with db.write() as s:
        agent = s.get(Agent, hosts[host])
        assert agent is not None
        agents.ingest(s, agent, _report(host, software, minute))


def _set_of(db: Database, host: str) -> int | None:
    with db.read() as s:
        facts = s.exec(select(HostFacts).join(Agent, Agent.asset_id == HostFacts.asset_id)
                       .where(Agent.hostname == host)).scalars().one()  # type: ignore[call-overload]
        return facts.software_set_id  # type: ignore[no-any-return]


def _sets(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(select(func.count()).select_from(SoftwareSet)).scalar_one())


def _listed(db: Database, host: str) -> list[tuple[str, str]]:
    with db.read() as s:
        detail = fleet.host_detail(s, fleet.find_host(s, host))
    return [(p["name"], p["version"]) for p in detail["software"]]


def test_one_list_is_stored_once_and_a_change_moves_only_that_host(
        db: Database, hosts: dict[str, int]) -> None:
    _send(db, hosts, "pc-1", IMAGE)
    _send(db, hosts, "pc-2", list(reversed(IMAGE)))  # the same list, in another order
    assert _set_of(db, "pc-1") == _set_of(db, "pc-2") is not None
    assert _sets(db) == 1
    updated = [*IMAGE[1:], {"name": "pkg-000", "version": "2.0", "publisher": "City IT"}]
    _send(db, hosts, "pc-1", updated, minute=1)
    assert _set_of(db, "pc-1") != _set_of(db, "pc-2")  # pc-2 still shares the image
    assert ("pkg-000", "2.0") in _listed(db, "pc-1")
    assert ("pkg-000", "1.0") in _listed(db, "pc-2") and len(_listed(db, "pc-2")) == 40
    _send(db, hosts, "pc-2", updated, minute=1)  # pc-2 catches up: the image's set goes
    assert _set_of(db, "pc-1") == _set_of(db, "pc-2")
    assert _sets(db) == 1
    with db.read() as s:
        rows = {r.name: r for r in fleet.software_summary(s, SoftwarePolicy())}
    assert rows["pkg-000"].versions == ["2.0"] and rows["pkg-000"].hosts == 2


def test_a_host_alone_on_its_set_edits_it_in_place(db: Database,
                                                   hosts: dict[str, int]) -> None:
    _send(db, hosts, "pc-3", IMAGE[:10])
    first = _set_of(db, "pc-3")
    _send(db, hosts, "pc-3", [*IMAGE[:9], {"name": "new-tool", "version": "0.1"}], minute=1)
    assert _set_of(db, "pc-3") == first and _sets(db) == 1
    assert ("new-tool", "0.1") in _listed(db, "pc-3") and ("pkg-009", "1.0") not in \
        _listed(db, "pc-3")
    with db.read() as s:
        stored = s.execute(select(SoftwareSet)).scalars().one()
        facts = s.execute(select(HostFacts)).scalars().one()
    assert stored.digest == facts.software_digest and stored.packages == 10
    _send(db, hosts, "pc-3", [], minute=2)  # an empty list is a list: no packages
    assert _listed(db, "pc-3") == [] and _set_of(db, "pc-3") is not None


def test_reports_of_one_image_from_many_hosts_and_then_a_deleted_asset(
        db: Database, hosts: dict[str, int]) -> None:
    for host in hosts:
        _send(db, hosts, host, IMAGE)
    with db.read() as s:
        summary = fleet.software_summary(s, SoftwarePolicy())
        flagged = fleet.flagged_hosts(s, SoftwarePolicy(deny=["pkg-01*"]))
    assert {r.hosts for r in summary} == {3} and len(summary) == 40
    assert sorted({f.hostname for f in flagged}) == ["pc-1", "pc-2", "pc-3"]
    assert len(flagged) == 3 * 10
    _send(db, hosts, "pc-3", IMAGE[:5], minute=1)  # pc-3 alone on a set of its own
    with db.write() as s:
        asset_id = s.get(Agent, hosts["pc-3"]).asset_id  # type: ignore[union-attr]
        s.execute(text("DELETE FROM host_facts WHERE asset_id = :a"), {"a": asset_id})
        assert software_sets.prune(s) == 1  # pc-3's set, no host left on it
    assert _sets(db) == 1
    with db.read() as s:
        assert assets.get_asset(s, f"#{asset_id}") is not None
        assert {r.hosts for r in fleet.software_summary(s, SoftwarePolicy())} == {2}
    with db.write() as s:
        assert software_sets.prune(s) == 0  # the image's set is in use


def test_two_writers_of_one_postgresql_storing_one_new_list_share_it(
        tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    """Two collectors on one PostgreSQL: the second waits for the first's set and uses it
    (no second copy, no failed report)."""
    from tests.conftest import new_database_url

    db = Database(new_database_url("postgresql", tmp_path, request))
    migrate.upgrade(db.engine)
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall"), actor="t")
        secret = agents.create_enrollment_secret(s, "City Hall", actor="t")[1]
        ids = {h: agents.enroll(s, secret, h)[0].id or 0 for h in ("pc-1", "pc-2")}
    first_stored, release = threading.Event(), threading.Event()

    def first() -> None:
        with db.write() as s:
            agents.ingest(s, s.get(Agent, ids["pc-1"]), _report("pc-1", IMAGE))  # type: ignore[arg-type]
            first_stored.set()
            release.wait(10)  # not committed yet while the second one stores the list

    writer = threading.Thread(target=first)
    writer.start()
    assert first_stored.wait(10)
    threading.Timer(0.5, release.set).start()
    _send(db, ids, "pc-2", IMAGE)  # waits on the first one's uncommitted set
    writer.join(10)
    assert _set_of(db, "pc-1") == _set_of(db, "pc-2") is not None
    assert _sets(db) == 1
    db.dispose()
