"""Hosts' installed software as shared, content-addressed sets.

A full report lists ~800 packages, and hosts installed from one image list the same ones.
Each distinct list is stored once (``software_set`` + its ``software_set_item`` rows) and a
host points at its set (``host_facts.software_set_id``), so storing a report whose list
another host already has writes one pointer instead of 800 rows. A host whose list
changes moves to the set of its new list; a set no host uses any more is deleted, or, when
the host was its only user, edited in place (only the packages that changed).

``host_software()`` gives readers the rows they had before (asset_id, name, version,
publisher per installed package), so the licence check, the fleet views and reports read
one relation whatever the storage.

On PostgreSQL several collectors may store at once: a set about to be shared is locked
``FOR SHARE`` and one about to be edited or deleted ``FOR UPDATE``, so a set is never
deleted under a host that has just started to use it."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Subquery, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from muniops.inventory.db import table_of
from muniops.inventory.models import HostFacts, SoftwareSet, SoftwareSetItem

Package = tuple[str, str, str]  # name, version, publisher
UNIT, RECORD = "\x1f", "\x1e"  # ASCII's unit and record separators


def digest(packages: list[Package]) -> str:
    """The identity of a sorted package list (the same as ``host_facts.software_digest``).
    The fields are joined by separators that a report's text never holds (control
    characters are cleaned from it): a quarter of the cost of ``json.dumps``."""
    return hashlib.sha256(RECORD.join(map(UNIT.join, packages)).encode()).hexdigest()


def host_software() -> Subquery:
    """One row per package per host (``asset_id, name, version, publisher``)."""
    facts, item = table_of(HostFacts), table_of(SoftwareSetItem)
    return (select(facts.c.asset_id, item.c.name, item.c.version, item.c.publisher)
            .join(item, item.c.set_id == facts.c.software_set_id)
            .subquery("host_software"))


def assign(session: Session, asset_id: int, current: int | None, packages: list[Package],
           key: str) -> int:
    """The set the host ``asset_id`` (now on set ``current``) points at for ``packages``
    (whose digest is ``key``): an existing set with that list, the host's own set edited,
    or a new one. The caller stores the id on the host's facts."""
    conn = session.connection()
    sets = table_of(SoftwareSet)
    found = conn.execute(select(sets.c.id).where(sets.c.digest == key)
                         .with_for_update(read=True)).scalar()
    if found is not None:
        if current is not None and current != found and _only_user(conn, current, asset_id):
            facts = table_of(HostFacts)  # off the old set first: its key still names it
            conn.execute(update(facts).where(facts.c.asset_id == asset_id)
                         .values(software_set_id=found))
            _drop(conn, current)
        return int(found)
    if current is not None and _only_user(conn, current, asset_id):
        _edit(conn, current, packages)
        conn.execute(update(sets).where(sets.c.id == current)
                     .values(digest=key, packages=len(packages)))
        return current
    stmt = insert(sets)
    if conn.dialect.name == "postgresql":  # another collector may store this list meanwhile
        stmt = pg_insert(sets).on_conflict_do_nothing(index_elements=[sets.c.digest])
    new = conn.execute(stmt.values(digest=key, packages=len(packages))
                       .returning(sets.c.id)).scalar()
    if new is None:  # it did, and committed: share its set
        return int(conn.execute(select(sets.c.id).where(sets.c.digest == key)
                                .with_for_update(read=True)).scalar_one())
    _insert_items(conn, int(new), packages)
    return int(new)


def prune(session: Session) -> int:
    """Delete the sets no host points at (their hosts' assets were deleted)."""
    sets, facts = table_of(SoftwareSet), table_of(HostFacts)
    conn = session.connection()
    orphans = [row[0] for row in conn.execute(
        select(sets.c.id).where(~select(facts.c.asset_id)
                                .where(facts.c.software_set_id == sets.c.id).exists())
        .with_for_update(skip_locked=True))]
    for set_id in orphans:
        _drop(conn, set_id)
    return len(orphans)


def _only_user(conn: Connection, set_id: int, asset_id: int) -> bool:
    """Whether no host but ``asset_id`` points at the set (locked for the caller's edit)."""
    sets, facts = table_of(SoftwareSet), table_of(HostFacts)
    conn.execute(select(sets.c.id).where(sets.c.id == set_id).with_for_update())
    other = conn.execute(select(facts.c.asset_id).where(
        facts.c.software_set_id == set_id, facts.c.asset_id != asset_id).limit(1)).first()
    return other is None


def _drop(conn: Connection, set_id: int) -> None:
    item, sets = table_of(SoftwareSetItem), table_of(SoftwareSet)
    conn.execute(delete(item).where(item.c.set_id == set_id))
    conn.execute(delete(sets).where(sets.c.id == set_id))


def _edit(conn: Connection, set_id: int, packages: list[Package]) -> None:
    """Make a set's rows say ``packages``, writing only what changed (a host's update
    changes a few packages of 800)."""
    item = table_of(SoftwareSetItem)
    wanted = set(packages)
    gone: list[tuple[int, str, str, str]] = []
    for name, version, publisher in conn.execute(
            select(item.c.name, item.c.version, item.c.publisher)
            .where(item.c.set_id == set_id)):
        package = (name, version, publisher)
        if package in wanted:
            wanted.discard(package)
        else:
            gone.append((set_id, *package))
    if gone:  # by key: the rows have no other identity; the driver's own executemany
        mark = _mark(conn)
        conn.exec_driver_sql(
            f"DELETE FROM {item.name} WHERE set_id = {mark} AND name = {mark} "
            f"AND version = {mark} AND publisher = {mark}", gone)
    _insert_items(conn, set_id, sorted(wanted))


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _insert_items(conn: Connection, set_id: int, packages: list[Package]) -> None:
    """Core statements, not ORM objects (SQLAlchemy's per-row work was half the cost)."""
    if not packages:
        return
    item = table_of(SoftwareSetItem)
    rows = [(set_id, n, v, pub) for n, v, pub in packages]  # appended in key order
    columns = f"{item.name} (set_id, name, version, publisher)"
    if conn.dialect.driver == "psycopg":  # PostgreSQL's COPY: one statement, not 800
        raw: Any = conn.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {columns} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    mark = _mark(conn)
    conn.exec_driver_sql(f"INSERT INTO {columns} VALUES ({mark}, {mark}, {mark}, {mark})",
                         rows)
