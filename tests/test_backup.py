"""``muniops backup`` and ``restore`` on both stores while the collector runs: backup →
change → restore gives back exactly what was backed up, and the running collector serves
the restored store. Wrong files are refused before anything is touched."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path

from muniops.lab.agents import CollectorProcess
from tests.conftest import Cli


def _api_assets(url: str, token: str) -> list[str]:
    req = urllib.request.Request(f"{url}/api/v1/assets",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return sorted(a["asset_tag"] for a in json.loads(r.read()))


def _tags(cli: Cli) -> dict[str, str]:
    return {a["asset_tag"]: a["status"] for a in cli.ok("assets", "list", "--json").json()}  # type: ignore[union-attr]


def test_backup_change_restore_while_the_collector_runs(cli: Cli, db_url: str,
                                                        tmp_path: Path) -> None:
    cli.ok("init")
    cli.ok("sites", "add", "City Hall")
    cli.ok("people", "add", "Sara Ahmadi", "--employee-id", "E100")
    cli.ok("assets", "add", "pc", "--tag", "MUN-1", "--site", "City Hall")
    cli.ok("assets", "assign", "MUN-1", "E100")
    token = cli.ok("tokens", "create", "reader", "--role", "viewer", "--json").json()["token"]  # type: ignore[index]
    backup = tmp_path / "backups" / "store.bak"

    with CollectorProcess(cli.config) as collector:
        made = cli.ok("backup", "--output", str(backup), "--json").json()
        assert backup.is_file() and made["size_bytes"] == backup.stat().st_size > 0  # type: ignore[index]
        assert not list(backup.parent.glob(".*partial"))
        kept = _tags(cli)

        cli.ok("assets", "add", "laptop", "--tag", "MUN-2")
        cli.ok("assets", "return", "MUN-1")
        cli.ok("assets", "retire", "MUN-1", "--reason", "broken")
        assert _api_assets(collector.url, token) == ["MUN-1", "MUN-2"]

        refused = cli("restore", str(backup))  # no --yes, no terminal to ask: nothing done
        assert refused.code == 2 and "--yes" in refused.err
        assert _tags(cli)["MUN-1"] == "retired"

        restored = cli.ok("restore", str(backup), "--yes", "--json").json()
        assert restored["needs_init"] is False  # type: ignore[index]
        assert _tags(cli) == kept == {"MUN-1": "deployed"}
        assert _api_assets(collector.url, token) == ["MUN-1"]  # the running collector too
        shown = cli.ok("assets", "show", "MUN-1", "--json").json()
        assert [a["person"] for a in shown["assignments"]] == ["Sara Ahmadi"]  # type: ignore[index]
        cli.ok("assets", "add", "pc", "--tag", "MUN-3")  # and it takes writes again


def test_default_path_and_wrong_files(cli: Cli, db_url: str, tmp_path: Path) -> None:
    cli.ok("init")
    made = cli.ok("backup", "--json").json()
    path = Path(made["path"])  # type: ignore[index]
    assert path.parent.name == "backups" and path.suffix in {".db", ".pgdump"}

    missing = cli("restore", str(tmp_path / "nope.db"), "--yes")
    assert missing.code == 3 and "nope.db" in missing.err
    text = tmp_path / "notes.txt"
    text.write_text("not a backup\n")
    wrong = cli("restore", str(text), "--yes")
    assert wrong.code == 5 and "notes.txt" in wrong.err and "not a" in wrong.err

    other = tmp_path / "other.db"  # the other backend's kind of backup, or a foreign db
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
        foreign = cli("restore", str(other), "--yes")
        assert foreign.code == 5 and "no muniops schema" in foreign.err
    else:
        sqlite_backup = tmp_path / "sqlite.db"
        sqlite3.connect(sqlite_backup).close()
        sqlite_backup.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
        foreign = cli("restore", str(sqlite_backup), "--yes")
        assert foreign.code == 5 and "restores only into SQLite" in foreign.err
    cli.ok("assets", "list")  # nothing was touched


def test_a_backup_from_a_newer_muniops_is_refused(cli: Cli, db_url: str,
                                                  tmp_path: Path) -> None:
    if not db_url.startswith("sqlite"):
        return  # the schema check is the same code for both; SQLite can be edited here
    cli.ok("init")
    backup = tmp_path / "b.db"
    cli.ok("backup", "--output", str(backup))
    conn = sqlite3.connect(backup)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    newer = cli("restore", str(backup), "--yes")
    assert newer.code == 5 and "newer muniops" in newer.err
