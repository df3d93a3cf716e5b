"""Import of a 20,000-row asset CSV, on SQLite and on PostgreSQL.

Reference, in the same run: the same rows bulk-loaded with no validation, no matching and
no audit log — sqlite3 ``executemany`` into a plain table, and PostgreSQL ``COPY`` — the
floor that any importer on that engine stands on."""

from __future__ import annotations

import csv
import io
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from muniops.inventory import migrate, sites
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.importer import import_assets
from muniops.inventory.schemas import SiteCreate
from muniops.lab import postgres

ROWS = 20_000
SITES = [f"Site {i}" for i in range(20)]
KINDS = ["pc", "laptop", "printer", "ups", "switch", "camera"]
HEADER = ["asset_tag", "serial", "kind", "vendor", "model", "site", "mac", "hostname",
          "location", "purchase_date", "warranty_end", "assigned_to"]


def make_csv(path: Path) -> list[list[str]]:
    rows = []
    for i in range(ROWS):
        rows.append([f"MUN-{i:06d}", f"SN{i:08d}", KINDS[i % len(KINDS)], "Dell", "OptiPlex",
                     SITES[i % len(SITES)], f"02:00:{i >> 24 & 255:02x}:{i >> 16 & 255:02x}:"
                     f"{i >> 8 & 255:02x}:{i & 255:02x}",
                     f"host-{i}", f"Room {i % 300}", "2021-03-01", "2024-03-01", ""])
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return rows


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def muniops_import(url: str, path: Path) -> tuple[float, float]:
    db = Database(url)
    migrate.upgrade(db.engine)
    with db.write() as s:
        for name in SITES:
            sites.add_site(s, SiteCreate(name=name), actor="bench")

    def run() -> None:
        with db.write() as s:
            import_assets(s, path, actor="bench")

    first = timed(run)
    again = timed(run)  # nothing changes the second time
    db.dispose()
    return first, again


def sqlite_reference(path: Path, rows: list[list[str]]) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"CREATE TABLE raw ({', '.join(f'{c} TEXT' for c in HEADER)})")

    def run() -> None:
        with conn:
            conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(HEADER))})", rows)

    took = timed(run)
    conn.close()
    return took


def postgres_reference(url: str, rows: list[list[str]]) -> float:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        conn.execute(f"CREATE TABLE raw ({', '.join(f'{c} TEXT' for c in HEADER)})")
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)

        def run() -> None:
            with conn.cursor().copy("COPY raw FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(buf.getvalue())
            conn.commit()

        return timed(run)


def report(engine: str, ours: tuple[float, float], reference: float, ref_name: str) -> None:
    first, again = ours
    print(f"{engine:<11} muniops import {first:6.2f}s ({ROWS / first:7.0f} rows/s), "
          f"re-import unchanged {again:5.2f}s | {ref_name} {reference:5.2f}s "
          f"| ratio {first / reference:5.1f}x")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        csv_path = root / "assets.csv"
        rows = make_csv(csv_path)
        print(f"{ROWS} rows, {csv_path.stat().st_size / 1e6:.1f} MB CSV")
        report("SQLite", muniops_import(sqlite_url(root / "sqlite"), csv_path),
               sqlite_reference(root / "raw.db", rows), "sqlite3 executemany (raw)")
        if not postgres.available():
            print("PostgreSQL: server binaries missing, skipped")
            return
        with postgres.running_postgres() as base:
            ours = muniops_import(postgres.create_database(base, "bench"), csv_path)
            ref = postgres_reference(postgres.create_database(base, "raw"), rows)
            report("PostgreSQL", ours, ref, "COPY (raw)")


if __name__ == "__main__":
    main()
