"""Engines and sessions. SQLite is tuned for several writers (WAL, a busy timeout, and
``BEGIN IMMEDIATE`` for writes so no transaction fails upgrading a read lock); PostgreSQL
is used as it is."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE_OPTION = "muniops_write"


def table_of(model: type[SQLModel]) -> sa.Table:
    """The table a model maps to, for bulk statements through Core (no ORM objects)."""
    table = sa.inspect(model).local_table
    assert isinstance(table, sa.Table)
    return table


def sqlite_url(data_dir: Path) -> str:
    """The default store: ``muniops.db`` in the configured data directory."""
    return f"sqlite:///{(data_dir / 'muniops.db').resolve()}"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store (None: another engine, or SQLite in memory)."""
    if not url.startswith("sqlite"):
        return None
    database = sa.make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine for ``url``; SQLite gets its pragmas and explicit transaction control."""
    if url.startswith("sqlite"):
        database = sqlite_file(url)
        if database is not None:
            database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _tune_sqlite(engine, database)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _private(database: Path) -> None:
    """The store holds configuration backups and people's data: only its owner reads it
    (the file, and the WAL and shared-memory files SQLite keeps beside it)."""
    for path in (database, database.with_name(database.name + "-wal"),
                 database.with_name(database.name + "-shm")):
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except FileNotFoundError:
            continue
        except PermissionError:  # another user's file: theirs to keep private
            continue


def _tune_sqlite(engine: Engine, database: Path | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        if database is not None:
            _private(database)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """One store: an engine plus the two ways of using it, reading and writing."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work commits as one transaction, or not at all.

        On SQLite the transaction takes the write lock when it begins, so concurrent writers
        queue on the busy timeout instead of failing with "database is locked"."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE_OPTION: True})
            with Session(bind=conn, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise

    def dispose(self) -> None:
        self.engine.dispose()
