"""The asset register end to end through the CLI, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from muniops.collector.cli.main import invoke
from tests.conftest import Cli


def _city(cli: Cli) -> None:
    cli.ok("init")
    cli.ok("sites", "add", "City Hall", "--district", "Center", "--timezone", "Asia/Tehran")
    cli.ok("sites", "add", "District 2 Office", "--district", "D2")
    cli.ok("people", "add", "Sara Ahmadi", "--employee-id", "E100", "--site", "City Hall")


def test_lifecycle_of_a_pc(cli: Cli) -> None:
    _city(cli)
    cli.ok("assets", "add", "pc", "--tag", "MUN-0001", "--serial", "SN1", "--vendor", "Dell",
           "--mac", "00-1A-2B-3C-4D-5E", "--site", "City Hall", "--location", "Room 12")
    cli.ok("assets", "assign", "MUN-0001", "E100")
    (asset,) = cli.ok("assets", "list", "--json").json()  # type: ignore[misc]
    assert asset["status"] == "deployed"
    assert asset["assigned_to"] == "Sara Ahmadi"
    assert asset["macs"] == ["00:1a:2b:3c:4d:5e"]

    cli.ok("repairs", "open", "MUN-0001", "--part", "power supply", "--vendor", "Dell EMEA")
    assert cli.ok("assets", "show", "MUN-0001", "--json").json()["status"] == "in_repair"
    (ticket,) = cli.ok("repairs", "list", "--json").json()  # type: ignore[misc]
    cli.ok("repairs", "close", str(ticket["id"]), "--outcome", "replaced")
    assert cli.ok("repairs", "list", "--json").json() == []
    assert cli.ok("assets", "show", "MUN-0001", "--json").json()["status"] == "deployed"

    cli.ok("assets", "return", "MUN-0001")
    cli.ok("assets", "retire", "MUN-0001", "--reason", "end of life")
    shown = cli.ok("assets", "show", "MUN-0001", "--json").json()
    assert shown["status"] == "retired"
    assert [a["person"] for a in shown["assignments"]] == ["Sara Ahmadi"]
    assert shown["assignments"][0]["returned_at"] is not None
    assert [h["action"] for h in shown["history"]] == [
        "asset.create", "asset.assign", "asset.repair", "asset.repaired", "asset.return",
        "asset.retire",
    ]
    assert all(h["actor"] == "tester" for h in shown["history"])


def test_errors_name_the_problem_and_exit_codes_differ(cli: Cli) -> None:
    _city(cli)
    cli.ok("assets", "add", "pc", "--tag", "MUN-0001", "--serial", "SN1")
    dup = cli("assets", "add", "laptop", "--tag", "MUN-0001")
    assert dup.code == 4 and "asset_tag 'MUN-0001' already belongs" in dup.err
    bad_mac = cli("assets", "add", "pc", "--tag", "MUN-0002", "--mac", "zz:zz")
    assert bad_mac.code == 5 and "not a MAC address" in bad_mac.err
    missing = cli("assets", "show", "NOPE")
    assert missing.code == 3 and "NOPE" in missing.err
    no_site = cli("assets", "add", "pc", "--tag", "MUN-0003", "--site", "Atlantis")
    assert no_site.code == 3 and "Atlantis" in no_site.err
    cli.ok("assets", "add", "pc", "--tag", "MUN-0004")
    cli.ok("assets", "assign", "MUN-0004", "E100")
    cli.ok("people", "add", "Reza Karimi", "--employee-id", "E200")
    held = cli("assets", "assign", "MUN-0004", "E200")
    assert held.code == 4 and "held by Sara Ahmadi" in held.err
    cli.ok("assets", "assign", "MUN-0004", "E200", "--transfer")
    assert cli.ok("assets", "show", "MUN-0004", "--json").json()["assigned_to"] == "Reza Karimi"
    assigned = cli("assets", "retire", "MUN-0004")
    assert assigned.code == 4 and "return it first" in assigned.err


def test_move_and_filters(cli: Cli) -> None:
    _city(cli)
    cli.ok("assets", "add", "printer", "--tag", "PR-1", "--site", "City Hall")
    cli.ok("assets", "add", "switch", "--tag", "SW-1", "--site", "District 2 Office")
    cli.ok("assets", "move", "PR-1", "--site", "District 2 Office", "--location", "2nd floor")
    d2 = cli.ok("assets", "list", "--district", "D2", "--json").json()
    assert sorted(a["asset_tag"] for a in d2) == ["PR-1", "SW-1"]  # type: ignore[index]
    switches = cli.ok("assets", "list", "--kind", "switch", "--json").json()
    assert [a["asset_tag"] for a in switches] == ["SW-1"]  # type: ignore[index]
    history = cli.ok("assets", "show", "PR-1", "--json").json()["history"]
    assert history[-1]["action"] == "asset.move"
    assert history[-1]["changes"]["location"] == ["", "2nd floor"]


def test_uninitialised_store_says_run_init(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "other.yaml"
    config.write_text(f"data_dir: {tmp_path / 'empty'}\n")
    result = cli.__class__(cli.capsys, config)("assets", "list")
    assert result.code == 8 and "muniops init" in result.err


def test_staff_change_hands_equipment_over(cli: Cli) -> None:
    _city(cli)
    cli.ok("people", "add", "Reza Karimi", "--employee-id", "E200")
    for tag in ("PC-1", "LT-1"):
        cli.ok("assets", "add", "pc", "--tag", tag)
        cli.ok("assets", "assign", tag, "E100")
    out = cli.ok("people", "leave", "E100", "--hand-to", "E200").out
    assert "2 asset(s)" in out
    people = {p["employee_id"]: p for p in cli.ok("people", "list", "--json").json()}
    assert people["E100"]["active"] is False and people["E100"]["holding"] == []
    assert people["E200"]["holding"] == ["LT-1", "PC-1"]
    history = cli.ok("assets", "show", "PC-1", "--json").json()["assignments"]
    assert [h["person"] for h in history] == ["Sara Ahmadi", "Reza Karimi"]
    gone = cli("assets", "assign", "PC-1", "E100", "--transfer")
    assert gone.code == 4 and "no longer active" in gone.err


def test_the_store_is_private_to_its_owner(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    """The data folder 0700 and the SQLite files 0600, whatever the umask."""
    config = tmp_path / "muniops.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n")
    old = os.umask(0o022)
    try:
        assert invoke(["--config", str(config), "init"]) == 0
        assert invoke(["--config", str(config), "sites", "add", "City Hall"]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    for name in ("muniops.db", "muniops.db-wal", "muniops.db-shm"):
        path = tmp_path / "data" / name
        if path.exists():
            assert path.stat().st_mode & 0o777 == 0o600, name
