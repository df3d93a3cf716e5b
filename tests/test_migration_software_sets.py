"""Migration 0760 (hosts' software as shared sets) keeps every host's packages, both ways,
and leaves each host on the set that ingest would give the same list."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from muniops.inventory import migrate, software_sets
from muniops.inventory.db import Database

SAME = [("7-Zip", "23.01", "Igor Pavlov"), ("Firefox", "128.0", "Mozilla"), ("zlib", "", "")]
ROWS = ([(1, *p) for p in SAME] + [(2, *p) for p in SAME]  # one image, two hosts
        + [(3, "Firefox", "115.9", ""), (3, "Firefox", "128.0", "Mozilla")])
# host 4 reported an empty list; host 5 never reported software


def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(text(sql)))


def _seed(db: Database) -> None:
    with db.engine.begin() as conn:
        for n in range(1, 6):
            conn.execute(text(
                "INSERT INTO asset (asset_tag, kind, status, vendor, model, location, "
                "notes, created_at, updated_at) VALUES (:tag, 'pc', 'deployed', '', '', "
                "'', '', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"), {"tag": f"T-{n}"})
            conn.execute(text(
                "INSERT INTO host_facts (asset_id, facts, hardware, antivirus, "
                "software_digest, reported_at, updated_at) VALUES (:a, '{}', '{}', '{}', "
                ":d, '2024-01-01 00:00:00', '2024-01-01 00:00:00')"),
                {"a": n, "d": "" if n == 5 else "an older digest"})
        conn.execute(text("INSERT INTO host_software (asset_id, name, version, publisher)"
                          " VALUES (:a, :n, :v, :p)"),
                     [dict(zip("anvp", r, strict=True)) for r in ROWS])


HOST_SOFTWARE = "SELECT asset_id, name, version, publisher FROM host_software"
AS_SETS = ("SELECT f.asset_id, i.name, i.version, i.publisher FROM host_facts f "
           "JOIN software_set_item i ON i.set_id = f.software_set_id")


def test_host_software_moves_into_shared_sets_and_back(tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import new_database_url

    for kind in ("sqlite", "postgresql"):
        db = Database(new_database_url(kind, tmp_path / kind, request))
        migrate.upgrade(db.engine, "0750")  # the revision before 0760
        _seed(db)
        migrate.upgrade(db.engine, "0760")
        assert _rows(db, AS_SETS) == sorted(ROWS)
        facts = dict(_rows(db, "SELECT asset_id, software_set_id FROM host_facts"))
        assert facts[1] == facts[2]  # one list, stored once
        assert len({facts[1], facts[3], facts[4]}) == 3 and facts[5] is None
        assert _rows(db, "SELECT packages FROM software_set") == [(0,), (2,), (3,)]
        digests = dict(_rows(db, "SELECT asset_id, software_digest FROM host_facts"))
        assert digests[1] == software_sets.digest(sorted(SAME))  # what ingest compares
        assert digests[4] == software_sets.digest([]) and digests[5] == ""
        with db.engine.begin() as conn:  # a new set gets an id after the moved ones
            new = conn.execute(text("INSERT INTO software_set (digest, packages) "
                                    "VALUES ('new', 0) RETURNING id")).scalar_one()
        assert new == 4
        command.downgrade(migrate.alembic_config(db.engine), "0750")
        assert _rows(db, HOST_SOFTWARE) == sorted(ROWS)
        migrate.upgrade(db.engine)
        assert _rows(db, AS_SETS) == sorted(ROWS)
        db.dispose()
