"""A departed person's personal data anonymised (KVKK): gone from their row, from the
audit log's copies and from assignment notes; the asset history still holds together."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from muniops.inventory import anonymise, assets, sites
from muniops.inventory.db import Database
from muniops.inventory.errors import Conflict
from muniops.inventory.models import AssetKind, AuditEntry, Person
from muniops.inventory.schemas import AssetCreate, PersonCreate, SiteCreate
from tests.conftest import Cli


@pytest.fixture
def office(db: Database) -> Database:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall"), actor="t")
        for name, eid, email in (("Sara Ahmadi", "E1", "sara@city.example"),
                                 ("Reza Karimi", "E12", "reza@city.example"),
                                 ("Sara Ahmadinejad", "E3", "")):
            sites.add_person(s, PersonCreate(name=name, employee_id=eid, email=email),
                             actor="t")
        for tag in ("PC-1", "PC-2"):
            assets.add_asset(s, AssetCreate(kind=AssetKind.PC, asset_tag=tag), actor="t")
            assets.assign(s, assets.get_asset(s, tag), "E1", actor="t")
    return db


def test_anonymised_person_leaves_no_trace_but_history_holds(office: Database) -> None:
    with pytest.raises(Conflict, match="still active"), office.write() as s:
        anonymise.anonymise(s, "E1", actor="admin")
    with office.write() as s:
        assets.person_leaves(s, "E1", actor="t", hand_to="E12")
    with office.write() as s:
        person = anonymise.anonymise(s, "E1", actor="admin")
        person_id = person.id
    with office.read() as s:
        everything = json.dumps([[e.before, e.after] for e in s.exec(select(AuditEntry))],
                                ensure_ascii=False)
        people = {p.id: p for p in s.exec(select(Person))}
        history = assets.assignments_of(s, assets.get_asset(s, "PC-1"))
    assert "Sara Ahmadi\"" not in everything and "sara@city.example" not in everything
    assert "handed over from Sara Ahmadi" not in json.dumps([h.note for h in history])
    assert "Sara Ahmadinejad" in everything  # another person, whose name contains hers
    assert "E12" in everything  # another staff number that starts like hers
    me = people[person_id]
    assert (me.name, me.employee_id, me.email) == (f"anonymised person #{person_id}", None, "")
    # the history still says who held PC-1, then who took it over
    assert [h.person for h in history] == [f"anonymised person #{person_id}", "Reza Karimi"]
    assert "from anonymised person" in history[1].note
    with pytest.raises(Conflict, match="already anonymised"), office.write() as s:
        anonymise.anonymise(s, str(me.name), actor="admin")


def test_cli_asks_before_it_cannot_be_undone(cli: Cli) -> None:
    cli.ok("init")
    cli.ok("people", "add", "Sara Ahmadi", "--employee-id", "E1")
    cli.ok("people", "leave", "E1")
    refused = cli("people", "anonymise", "E1")
    assert refused.code == 5 and "--yes" in refused.err
    cli.ok("people", "anonymise", "E1", "--yes")
    listed = cli.ok("people", "list", "--json").out
    assert "Sara" not in listed and "anonymised person #1" in listed
