"""Debian's PostgreSQL 15, as a throwaway cluster on a free port.

initdb refuses to run as root, so the cluster belongs to the ``postgres`` user; its data
directory lives under a temporary directory that user may enter."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from muniops.lab.net import free_port

PG_BIN = Path(os.environ.get("MUNIOPS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (PG_BIN / "initdb").exists() and (os.geteuid() != 0 or _has_postgres_user())


def _has_postgres_user() -> bool:
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a cluster; yields a base URL ``postgresql+psycopg://app@127.0.0.1:PORT``."""
    with running_cluster() as (url, _local):
        yield url


@contextmanager
def running_cluster(netns: str | None = None) -> Iterator[tuple[str, str]]:
    """Start a cluster, inside network namespace ``netns`` if given (listening on that
    namespace's 127.0.0.1). Yields two base URLs: by TCP (reachable where the cluster
    listens) and by its Unix socket (a file: reachable from any namespace, for the test
    that checks the store from outside)."""
    root = Path(tempfile.mkdtemp(prefix="muniops-pg-"))
    root.chmod(0o755)
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "app",
                                 "--auth=trust", "-E", "UTF8", "--no-sync"]),
                   check=True, capture_output=True)
    opts = (f"-p {port} -c listen_addresses=127.0.0.1 -k {sock} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    start = _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", opts,
                          "-l", str(root / "log"), "-w", "start"])
    if netns is not None:  # the postmaster inherits the namespace of whoever starts it
        start = ["ip", "netns", "exec", netns, *start]
    try:
        subprocess.run(start, check=True, capture_output=True)
        yield (f"postgresql+psycopg://app@127.0.0.1:{port}",
               f"postgresql+psycopg://app@/?host={sock}&port={port}")
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def create_database(base_url: str, name: str) -> str:
    """A fresh, empty database on the cluster; returns its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url(base_url, "postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return database_url(base_url, name)


def database_url(base_url: str, name: str) -> str:
    """Database ``name`` on the cluster of ``base_url`` (a TCP or a socket base URL)."""
    if "/?" in base_url:
        head, query = base_url.split("/?", 1)
        return f"{head}/{name}?{query}"
    return f"{base_url}/{name}"
