"""The district collector's outbox: everything it learns, in the order it learned it, in a
SQLite file of its own in the data folder, until the central has applied it.

An item is written (and synced) before the district answers whoever gave it, so an
accepted report survives a SIGKILL; it is deleted only once the central has said it is
settled. Each item has an idempotency key: the same key put twice (an agent sending
again after a lost answer) is one item, and the central's ledger applies a key once."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def folder_of(data_dir: Path) -> Path:
    """Where a district collector keeps its files: ``OUTBOX``, ``COPY`` (the last good copy
    of the central's), ``PROFILES`` (the copy's SNMP profiles, checked) and its token."""
    return data_dir / "district"


OUTBOX, COPY, PROFILES = "outbox.sqlite3", "copy.json", "profiles"

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created REAL NOT NULL
)"""


@dataclass(frozen=True)
class Queued:
    seq: int
    key: str
    kind: str
    body: dict[str, Any]
    created: float

    def wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "key": self.key, "kind": self.kind, "body": self.body}


class Outbox:
    """One outbox file; safe to use from several threads of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(SCHEMA)
        path.chmod(0o600)

    def put(self, kind: str, key: str, body: dict[str, Any]) -> bool:
        """Queue one item; False when ``key`` is already queued (the same thing again)."""
        text = json.dumps(body, separators=(",", ":"), default=str)
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO outbox (key, kind, body, created) VALUES (?, ?, ?, ?)",
                (key, kind, text, time.time()))
        return cur.rowcount == 1

    def peek(self, limit: int, max_bytes: int | None = None) -> list[Queued]:
        """The oldest ``limit`` items, oldest first, cut where their bodies would exceed
        ``max_bytes`` (always at least one): a batch fits the central's body limit."""
        with self._lock:
            rows = self._db.execute("SELECT seq, key, kind, body, created FROM outbox "
                                    "ORDER BY seq LIMIT ?", (limit,)).fetchall()
        out: list[Queued] = []
        size = 0
        for seq, key, kind, body, created in rows:
            size += len(body) + 200
            if out and max_bytes is not None and size > max_bytes:
                break
            out.append(Queued(seq, key, kind, json.loads(body), created))
        return out

    def ack(self, through: int) -> int:
        """Forget the items the central has settled (every ``seq <= through``)."""
        with self._lock:
            return self._db.execute("DELETE FROM outbox WHERE seq <= ?", (through,)).rowcount

    def depth(self) -> tuple[int, float | None]:
        """How many items wait, and when the oldest was learned (epoch seconds)."""
        with self._lock:
            count, oldest = self._db.execute(
                "SELECT count(*), min(created) FROM outbox").fetchone()
        return int(count), oldest

    def close(self) -> None:
        with self._lock:
            self._db.close()
