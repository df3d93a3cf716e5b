"""Backup and restore of the whole store, while the collector runs.

SQLite: SQLite's online backup API, page by page, consistent however many writers there
are; restore copies a backup back the same way, into the live file, so the collector's
connections see the restored store on their next transaction. PostgreSQL: ``pg_dump``
(custom format) and ``pg_restore --clean --single-transaction``, so a failed restore
changes nothing. A backup file is written beside its destination and renamed when
complete: there is never a half-written backup under its final name. The password of a
PostgreSQL URL goes to the tools in their environment, never on a command line."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from muniops.inventory import migrate
from muniops.inventory.db import sqlite_file
from muniops.inventory.errors import ConfigError, InvalidInput, MuniopsError, NotFound

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupFailed(MuniopsError):
    """The backup or restore tool failed; its own words are in the message."""

    exit_code, http_status = 1, 500


@dataclass(frozen=True)
class BackupResult:
    path: Path
    backend: str  # sqlite | postgresql
    size_bytes: int
    revisions: list[str]  # the schema revision the backup holds


def default_path(folder: Path, url: str) -> Path:
    """``<folder>/muniops-<UTC time>.<db|pgdump>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"muniops-{stamp}.{'db' if _is_sqlite(url) else 'pgdump'}"


def backup(url: str, output: Path) -> BackupResult:
    """Copy the store at ``url`` into ``output`` (replaced only once the copy is whole)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(url):
            _sqlite_copy(_sqlite_path(url), partial)
            revisions = _sqlite_revisions(partial)
        else:
            _pg_tool("pg_dump", url, ["--format=custom", "--no-owner", f"--file={partial}"])
            revisions = _pgdump_revisions(partial)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    log.info("backup of the store written to %s", output)
    return BackupResult(output, "sqlite" if _is_sqlite(url) else "postgresql",
                        output.stat().st_size, revisions)


def restore(url: str, source: Path) -> BackupResult:
    """Replace the store at ``url`` with the backup ``source``, as one step. A backup of
    an older version is restored as it is (``muniops init`` then upgrades it); one made
    by a newer muniops is refused, since this version cannot read its schema."""
    if not source.is_file():
        raise NotFound("backup file", str(source))
    head = source.open("rb").read(16)
    if _is_sqlite(url):
        if head != SQLITE_MAGIC:
            raise InvalidInput("file", f"{source} is not a SQLite backup of muniops "
                               "(a PostgreSQL store's backup restores only into PostgreSQL)")
        revisions = _sqlite_revisions(source)
        _check_known(source, revisions)
        _sqlite_copy(source, _sqlite_path(url))
    else:
        if not head.startswith(PGDUMP_MAGIC):
            raise InvalidInput("file", f"{source} is not a pg_dump backup of muniops "
                               "(a SQLite store's backup restores only into SQLite)")
        revisions = _pgdump_revisions(source)
        _check_known(source, revisions)
        _pg_tool("pg_restore", url, ["--clean", "--if-exists", "--no-owner",
                                     "--single-transaction", "--exit-on-error", str(source)])
    log.info("store restored from %s (schema %s)", source, ", ".join(revisions))
    return BackupResult(source, "sqlite" if _is_sqlite(url) else "postgresql",
                        source.stat().st_size, revisions)


def _check_known(source: Path, revisions: list[str]) -> None:
    if not revisions:
        raise InvalidInput("file", f"{source} holds no muniops schema (no alembic_version)")
    known = _known()
    unknown = [r for r in revisions if r not in known]
    if unknown:
        raise InvalidInput("file", f"{source} was made by a newer muniops (schema "
                           f"{', '.join(unknown)}); restore it with that version")


def _known() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory(str(migrate.MIGRATIONS_DIR)).walk_revisions()}


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_path(url: str) -> Path:
    database = sqlite_file(url)
    if database is None:
        raise ConfigError(f"{url}: an in-memory store has nothing to back up")
    return database


def _sqlite_copy(source: Path, dest: Path) -> None:
    """SQLite's online backup: a consistent copy while others read and write either end."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(dest, timeout=30)
        try:
            src.backup(dst, pages=1024, sleep=0.05)
            if dst.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupFailed(f"{dest}: the copy failed SQLite's integrity check")
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"{source} → {dest}: {exc}") from None
    finally:
        src.close()


def _sqlite_revisions(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError:
        return []
    finally:
        conn.close()
    return sorted(r[0] for r in rows)


def _pgdump_revisions(path: Path) -> list[str]:
    """The ``alembic_version`` rows inside a custom-format dump."""
    out = subprocess.run([_tool("pg_restore"), "--data-only", "--table=alembic_version",
                          "--file=-", str(path)], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise InvalidInput("file", f"{path}: pg_restore cannot read it: {out.stderr.strip()}")
    lines = out.stdout.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("COPY "))
    except StopIteration:
        return []
    rows = []
    for line in lines[start + 1:]:
        if line == "\\.":
            break
        rows.append(line.strip())
    return sorted(rows)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ConfigError(f"{name} is not installed: a PostgreSQL store needs the "
                          "PostgreSQL client tools (Debian: postgresql-client)")
    return found


def _pg_tool(name: str, url: str, args: list[str]) -> None:
    parsed = sa.make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    out = subprocess.run([_tool(name), f"--dbname={dsn}", *args], capture_output=True,
                         text=True, env=env, timeout=3600)
    if out.returncode != 0:
        raise BackupFailed(f"{name} failed ({out.returncode}): {out.stderr.strip()[-1000:]}")
