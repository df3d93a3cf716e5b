"""Sharing work between processes through the store (``device_lease``): which collector of
a LAN polls which device, and which worker of the central runs a periodic job's turn.

Every decision is one conditional statement the database applies atomically — an upsert
that takes a row only when it is free or expired, an update that marks a poll slot only
when it is newer — so two processes never both win, on PostgreSQL (row locks) as on
SQLite (one writer). Times are the callers' clocks in UTC: hosts sharing leases keep
their clocks in step (NTP), and a lease's time to live is several seconds for that."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zlib import crc32

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from muniops.inventory.db import Database, table_of
from muniops.inventory.models import DeviceLease

LEASES = table_of(DeviceLease)
DEVICES = ~LEASES.c.device.startswith("job:") & ~LEASES.c.device.startswith("holder:")
EXPIRED = datetime(1970, 1, 2, tzinfo=UTC)


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LEASES)


def claim(session: Session, holder: str, key: str, now: datetime, ttl: timedelta) -> bool:
    """Take ``key`` for ``holder`` until ``now + ttl`` if it is free, expired or already
    its own; False when another holder's lease still runs."""
    stmt = _insert(session).values(device=key, holder=holder, acquired_at=now,
                                   expires_at=now + ttl, last_slot=-1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[LEASES.c.device],
        set_={"holder": holder, "expires_at": now + ttl},
        where=sa.or_(LEASES.c.expires_at < now, LEASES.c.holder == holder),
    ).returning(LEASES.c.device)
    return session.execute(stmt).first() is not None


def renew(session: Session, holder: str, now: datetime, ttl: timedelta) -> set[str]:
    """Extend every unexpired lease of ``holder``; returns what it still holds."""
    rows = session.execute(sa.update(LEASES).where(
        LEASES.c.holder == holder, LEASES.c.expires_at >= now, DEVICES)
        .values(expires_at=now + ttl)
        .returning(LEASES.c.device)).all()
    return {r[0] for r in rows}


def release(session: Session, holder: str, keys: Iterable[str]) -> None:
    """Give leases back at once (a collector stopping, or handing devices to a newcomer)."""
    session.execute(sa.update(LEASES).where(
        LEASES.c.holder == holder, LEASES.c.device.in_(list(keys)))
        .values(expires_at=EXPIRED))


def present(session: Session, holder: str, now: datetime, ttl: timedelta) -> None:
    """Say ``holder`` is alive (a ``holder:NAME`` row), so the others leave it a share."""
    claim(session, holder, f"holder:{holder}", now, ttl)


def live_holders(session: Session, now: datetime) -> set[str]:
    rows = session.execute(sa.select(LEASES.c.holder).where(
        LEASES.c.expires_at >= now, LEASES.c.device.startswith("holder:"))).all()
    return {r[0] for r in rows}


def leased(session: Session, now: datetime) -> set[str]:
    """Devices some holder's lease covers now."""
    rows = session.execute(sa.select(LEASES.c.device).where(
        LEASES.c.expires_at >= now, DEVICES)).all()
    return {r[0] for r in rows}


def take_slot(session: Session, holder: str, key: str, slot: int, now: datetime) -> bool:
    """Whether ``holder`` may do ``key``'s work of ``slot`` (poll interval number): only
    while its lease runs, and only once per slot whoever holds the lease."""
    row = session.execute(sa.update(LEASES).where(
        LEASES.c.device == key, LEASES.c.holder == holder, LEASES.c.expires_at >= now,
        LEASES.c.last_slot < slot).values(last_slot=slot).returning(LEASES.c.device)).first()
    return row is not None


def job_turn(session: Session, holder: str, job: str, slot: int, now: datetime,
             ttl: timedelta) -> bool:
    """Whether this worker runs ``job``'s turn ``slot``: the first worker to ask wins it,
    every other worker asking for the same slot is told no."""
    key = f"job:{job}"
    stmt = _insert(session).values(device=key, holder=holder, acquired_at=now,
                                   expires_at=now + ttl, last_slot=slot)
    stmt = stmt.on_conflict_do_update(
        index_elements=[LEASES.c.device],
        set_={"holder": holder, "expires_at": now + ttl, "last_slot": slot},
        where=LEASES.c.last_slot < slot,
    ).returning(LEASES.c.device)
    return session.execute(stmt).first() is not None


@contextmanager
def advisory_lock(db: Database, name: str) -> Iterator[bool]:
    """A PostgreSQL session advisory lock named ``name``, held while the block runs (a
    long job's run is never overlapped by another worker's); yields False when another
    process holds it. SQLite has one process per store: always True."""
    if db.is_sqlite:
        yield True
        return
    key = crc32(name.encode()) - 2**31  # a signed 32-bit key
    with db.engine.connect() as conn:
        got = bool(conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar())
        try:
            yield got
        finally:
            if got:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                conn.commit()
