"""Enrolling the same host again (the agent reinstalled, its state folder lost) reuses its
agent record, matched by SMBIOS UUID or machine id; other hosts still get their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from muniops.agent.probes import host
from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.inventory import agents, sites
from muniops.inventory.db import Database
from muniops.inventory.models import Agent, AuditEntry, HostFacts
from muniops.inventory.schemas import SiteCreate


@pytest.fixture
def secret(db: Database) -> str:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center"), actor="t")
        sites.add_site(s, SiteCreate(name="D2 Office", district="D2"), actor="t")
        return agents.create_enrollment_secret(s, "City Hall", actor="t")[1]


def _enroll(db: Database, secret: str, hostname: str, **keys: str) -> tuple[Agent, str]:
    with db.write() as s:
        agent, token = agents.enroll(s, secret, hostname, "1", **keys)
        s.expunge(agent)
        return agent, token


def _agents(db: Database) -> list[Agent]:
    with db.read() as s:
        return list(s.exec(select(Agent)).all())


def test_same_smbios_uuid_or_machine_id_reuses_the_record(db: Database, secret: str) -> None:
    first, old_token = _enroll(db, secret, "pc-1", smbios_uuid="4C4C4544-0042",
                               machine_id="aaaa")
    again, new_token = _enroll(db, secret, "pc-1-renamed", smbios_uuid="4c4c4544-0042")
    assert again.id == first.id and again.uid == first.uid
    by_machine_id, _ = _enroll(db, secret, "pc-1", machine_id="AAAA")
    assert by_machine_id.id == first.id
    assert len(_agents(db)) == 1
    with db.read() as s:
        assert agents.authenticate(s, old_token) is None  # the lost token no longer works
        found = agents.authenticate(s, new_token)
        assert found is None  # ... nor the one before the last enrolment
        history = s.exec(select(AuditEntry).where(AuditEntry.action == "agent.enroll")).all()
    assert [h.before is not None for h in history] == [False, True, True]
    assert history[1].before == {"hostname": "pc-1", "site_id": first.site_id,
                                 "revoked": False}


def test_other_hosts_and_cloned_images_get_their_own(db: Database, secret: str) -> None:
    a, _ = _enroll(db, secret, "pc-1", smbios_uuid="uuid-a", machine_id="image-1")
    b, _ = _enroll(db, secret, "pc-2", smbios_uuid="uuid-b", machine_id="image-1")
    c, _ = _enroll(db, secret, "pc-3")  # says nothing of itself: a new agent each time
    d, _ = _enroll(db, secret, "pc-3")
    assert len({a.id, b.id, c.id, d.id}) == 4


def test_a_revoked_agent_stays_revoked_when_its_host_enrols_again(db: Database,
                                                                  secret: str) -> None:
    """Revoking is a decision: the host may enrol again, as a new agent, and the revoked
    record keeps saying what happened."""
    first, first_token = _enroll(db, secret, "pc-1", machine_id="m-1")
    with db.write() as s:
        agents.revoke_agent(s, first.uid, actor="t")
    again, token = _enroll(db, secret, "pc-1", machine_id="m-1")
    assert again.id != first.id
    with db.read() as s:
        assert agents.authenticate(s, token) is not None
        assert agents.authenticate(s, first_token) is None


def test_agent_enrolled_before_the_keys_is_found_by_its_reports(db: Database,
                                                                secret: str) -> None:
    """An agent from before identity keys: its last report's SMBIOS UUID finds it."""
    old, _ = _enroll(db, secret, "pc-1")
    with db.write() as s:
        from muniops.inventory import assets
        from muniops.inventory.schemas import AssetCreate

        asset = assets.add_asset(s, AssetCreate(kind="pc", asset_tag="T-1"), actor="t")
        s.add(HostFacts(asset_id=asset.id, agent_id=old.id, smbios_uuid="UUID-OLD",
                        reported_at=old.enrolled_at))
    again, _ = _enroll(db, secret, "pc-1", smbios_uuid="uuid-old")
    assert again.id == old.id


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(Collector(Settings(database_url=db.url), db).app) as c:
        yield c


def test_through_the_api_with_this_hosts_keys(client: TestClient, db: Database,
                                              secret: str) -> None:
    keys = host.identity_keys()
    if not keys:
        pytest.skip("this machine shows neither a machine id nor an SMBIOS UUID")
    body = {"secret": secret, "hostname": "this-host", **keys}
    first = client.post("/api/v1/agents/enroll", json=body)
    again = client.post("/api/v1/agents/enroll", json=body | {"hostname": "this-host-2"})
    assert first.status_code == again.status_code == 201, again.text
    assert first.json()["agent_id"] == again.json()["agent_id"]
    assert first.json()["token"] != again.json()["token"]
    (agent,) = _agents(db)
    assert agent.hostname == "this-host-2"
