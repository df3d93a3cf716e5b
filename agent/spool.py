"""The on-disk spool: each report is one gzip JSON file, written atomically, named so that
a directory listing is oldest-first. A report leaves the spool only when the collector has
acknowledged it; a crash at any moment leaves either the whole file or none of it.

The spool is bounded: beyond ``max_files`` or ``max_bytes`` the oldest heartbeats go first,
then the oldest full reports, so a long outage costs history rather than the disk.

A report the collector failed on (an answer 500: a bug or a store error that this report
triggers) is counted in a ``.failures`` file beside it; after ``set_aside_after`` such
answers it is moved to ``set-aside/``, kept with its last answer, so it no longer holds up
the reports behind it (``muniops-agent flush --retry-set-aside`` sends it again)."""

from __future__ import annotations

import gzip
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SUFFIX = ".json.gz"
FAILURES = ".failures"  # beside a spooled report: {"count": n, "last": "500: ..."}
SET_ASIDE_AFTER = 5  # answers 500 before a report is set aside


@dataclass(frozen=True)
class Spooled:
    path: Path
    report_id: str
    kind: str

    def body(self) -> bytes:
        return self.path.read_bytes()


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":
        return  # directories cannot be opened for fsync on Windows; NTFS journals renames
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    def __init__(self, root: Path, max_files: int = 500, max_bytes: int = 64 * 1024 * 1024,
                 *, create: bool = True):
        """``create=False`` reads a spool as it is and writes nothing (``status``): a
        missing folder is an empty spool."""
        self.root = root
        self.rejected = root / "rejected"
        self.set_aside_dir = root / "set-aside"
        self.max_files = max_files
        self.max_bytes = max_bytes
        if not create:
            return
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for leftover in self.root.glob("*.tmp"):  # a write interrupted by a crash
            leftover.unlink(missing_ok=True)

    def put(self, report: dict[str, Any]) -> Spooled:
        """Write ``report`` durably; returns its spool entry."""
        name = f"{time.time_ns():020d}-{report['kind']}-{report['report_id']}{SUFFIX}"
        final = self.root / name
        tmp = final.with_name(name + ".tmp")
        data = gzip.compress(json.dumps(report, separators=(",", ":")).encode(), mtime=0)
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        _fsync_dir(self.root)
        self._bound()
        return self._entry(final)

    @staticmethod
    def _entry(path: Path) -> Spooled:
        _stamp, kind, report_id = path.name.removesuffix(SUFFIX).split("-", 2)
        return Spooled(path, report_id, kind)

    def pending(self) -> list[Spooled]:
        """Reports waiting for the collector, oldest first."""
        return [self._entry(p) for p in sorted(self.root.glob("*" + SUFFIX))]

    def done(self, item: Spooled) -> None:
        item.path.unlink(missing_ok=True)
        _failures_path(item.path).unlink(missing_ok=True)

    def failures(self, item: Spooled) -> dict[str, Any]:
        """How many times the collector failed on this report, and its last answer."""
        return _read_failures(item.path)

    def failed(self, item: Spooled, answer: str, set_aside_after: int = SET_ASIDE_AFTER
               ) -> bool:
        """Count one failure of the collector on ``item``; set it aside (True) at the
        ``set_aside_after``-th."""
        count = int(self.failures(item).get("count", 0)) + 1
        record = {"count": count, "last": answer}
        if count < set_aside_after:
            _write_atomic(_failures_path(item.path), json.dumps(record).encode())
            return False
        self.set_aside_dir.mkdir(exist_ok=True, mode=0o700)
        _write_atomic(_failures_path(self.set_aside_dir / item.path.name),
                      json.dumps(record).encode())
        os.replace(item.path, self.set_aside_dir / item.path.name)
        _failures_path(item.path).unlink(missing_ok=True)
        _fsync_dir(self.root)
        log.error("report %s set aside after %d failed deliveries (last: %s)",
                  item.report_id, count, answer)
        self._bound_set_aside()
        return True

    def set_aside(self) -> list[tuple[Spooled, dict[str, Any]]]:
        """Reports set aside, oldest first, each with its failures."""
        if not self.set_aside_dir.is_dir():
            return []
        return [(self._entry(p), _read_failures(p))
                for p in sorted(self.set_aside_dir.glob("*" + SUFFIX))]

    def restore_set_aside(self) -> int:
        """Put every set-aside report back in the spool, its count cleared."""
        items = self.set_aside()
        for item, _ in items:
            os.replace(item.path, self.root / item.path.name)
            _failures_path(item.path).unlink(missing_ok=True)
        if items:
            _fsync_dir(self.root)
        return len(items)

    def _bound_set_aside(self) -> None:
        """The set-aside folder keeps to the spool's bounds too: oldest out first."""
        items = [i for i, _ in self.set_aside()]
        total = sum(i.path.stat().st_size for i in items)
        while items and (len(items) > self.max_files or total > self.max_bytes):
            old = items.pop(0)
            total -= old.path.stat().st_size
            log.warning("set-aside folder full: dropping report %s", old.report_id)
            old.path.unlink(missing_ok=True)
            _failures_path(old.path).unlink(missing_ok=True)

    def reject(self, item: Spooled, reason: str) -> None:
        """Keep a report the collector refused as malformed, for a person to look at."""
        self.rejected.mkdir(exist_ok=True, mode=0o700)
        os.replace(item.path, self.rejected / item.path.name)
        _failures_path(item.path).unlink(missing_ok=True)
        (self.rejected / (item.path.name + ".reason")).write_text(reason + "\n", encoding="utf-8")
        for old in sorted(self.rejected.glob("*" + SUFFIX))[:-20]:
            old.unlink(missing_ok=True)
            Path(str(old) + ".reason").unlink(missing_ok=True)

    def _bound(self) -> None:
        items = self.pending()
        sizes = {i.path: i.path.stat().st_size for i in items}
        total = sum(sizes.values())
        victims = [i for i in items if i.kind != "full"] + [i for i in items if i.kind == "full"]
        count = len(items)
        for victim in victims:
            if count <= self.max_files and total <= self.max_bytes:
                break
            if victim is items[-1]:
                break  # never drop the report just written
            log.warning("spool full: dropping %s report %s", victim.kind, victim.report_id)
            victim.path.unlink(missing_ok=True)
            _failures_path(victim.path).unlink(missing_ok=True)
            count -= 1
            total -= sizes[victim.path]


def _failures_path(report: Path) -> Path:
    return report.with_name(report.name + FAILURES)


def _read_failures(report: Path) -> dict[str, Any]:
    try:
        data = json.loads(_failures_path(report).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
