"""Importing the existing asset list: CSV and XLSX, all rows or none, idempotent."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from muniops.inventory import assets, sites
from muniops.inventory.db import Database
from muniops.inventory.errors import ImportRejected, InvalidInput
from muniops.inventory.importer import import_assets
from muniops.inventory.models import Asset, AuditEntry, Site
from muniops.inventory.schemas import PersonCreate, SiteCreate
from muniops.inventory.scope import Scope
from tests.conftest import Cli

HEADER = ["asset_tag", "serial", "kind", "vendor", "model", "site", "mac", "hostname",
          "location", "purchase_date", "warranty_end", "assigned_to"]
ROWS = [
    ["MUN-1", "SN-1", "pc", "Dell", "OptiPlex 7090", "City Hall", "00:11:22:33:44:01",
     "pc-1", "Room 1", "2021-03-01", "2024-03-01", "E100"],
    ["MUN-2", "SN-2", "laptop", "Lenovo", "T14", "City Hall", "00-11-22-33-44-02", "",
     "Room 2", "2022-01-10", "2025-01-10", ""],
    ["MUN-3", "", "printer", "HP", "M252dw", "District 2", "", "", "Hall", "", "", ""],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER,
              delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def seed(db: Database) -> None:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center"), actor="t")
        sites.add_site(s, SiteCreate(name="District 2", district="D2"), actor="t")
        sites.add_person(s, PersonCreate(name="Sara Ahmadi", employee_id="E100"), actor="t")


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_csv_import_is_complete_and_idempotent(db: Database, tmp_path: Path) -> None:
    seed(db)
    path = write_csv(tmp_path / "assets.csv", ROWS)
    with db.write() as s:
        result = import_assets(s, path, actor="t")
    assert (result.created, result.updated, result.unchanged, result.assigned) == (3, 0, 0, 1)
    with db.read() as s:
        listed = {a.asset_tag: a for a in assets.list_assets(s)}
    one = listed["MUN-1"]
    assert one.macs == ["00:11:22:33:44:01"] and one.assigned_to == "Sara Ahmadi"
    assert one.status == "deployed" and one.warranty_end == date(2024, 3, 1)
    assert listed["MUN-2"].macs == ["00:11:22:33:44:02"] and listed["MUN-2"].hostname is None
    assert listed["MUN-3"].serial is None and listed["MUN-3"].site == "District 2"

    audit_rows = count(db, AuditEntry)
    with db.write() as s:
        again = import_assets(s, path, actor="t")
    assert (again.created, again.updated, again.unchanged, again.assigned) == (0, 0, 3, 0)
    assert count(db, AuditEntry) == audit_rows  # nothing changed, nothing logged


def test_reimport_matches_by_serial_and_updates_only_what_changed(db: Database,
                                                                  tmp_path: Path) -> None:
    seed(db)
    with db.write() as s:
        import_assets(s, write_csv(tmp_path / "a.csv", ROWS), actor="t")
    changed = [["", "SN-2", "laptop", "Lenovo", "ThinkPad T14 Gen 2", "District 2", "", "",
                "Room 9", "", "", ""]]
    with db.write() as s:
        result = import_assets(s, write_csv(tmp_path / "b.csv", changed), actor="t")
    assert (result.created, result.updated) == (0, 1)
    with db.read() as s:
        laptop = assets.to_public(s, [assets.get_asset(s, "SN-2")])[0]
        history = assets.asset_history(s, assets.get_asset(s, "SN-2"))
    assert laptop.asset_tag == "MUN-2"  # an empty cell leaves the field as it was
    assert (laptop.model, laptop.site, laptop.location) == ("ThinkPad T14 Gen 2", "District 2",
                                                            "Room 9")
    assert history[-1].changes["model"] == ["T14", "ThinkPad T14 Gen 2"]


def test_bad_rows_are_all_listed_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    seed(db)
    rows = [
        ROWS[0],
        ["MUN-5", "SN-5", "toaster", "", "", "City Hall", "", "", "", "", "", ""],
        ["MUN-6", "SN-6", "pc", "", "", "Atlantis", "", "", "", "", "", ""],
        ["MUN-7", "SN-7", "pc", "", "", "", "not-a-mac", "", "", "2021-13-45", "", ""],
        ["MUN-1", "SN-8", "pc", "", "", "", "", "", "", "", "", ""],
        ["", "", "pc", "", "", "", "", "", "", "", "", ""],
        ["MUN-9", "SN-9", "pc", "", "", "", "", "", "", "", "", "Nobody Known"],
    ]
    with db.write() as s, pytest.raises(ImportRejected) as info:
        import_assets(s, write_csv(tmp_path / "bad.csv", rows), actor="t")
    by_line = {e.line: e.reason for e in info.value.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert by_line[3].startswith("kind:") and "'laptop'" in by_line[3]  # says what is valid
    assert "Atlantis" in by_line[4]
    assert "mac" in by_line[5] and "purchase_date" in by_line[5]
    assert "repeats line 2" in by_line[6]
    assert "asset_tag or a serial" in by_line[7]
    assert "Nobody Known" in by_line[8]
    assert count(db, Asset) == 0


def test_unknown_column_is_named(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["MUN-1", "pc", "blue"]],
                     header=["asset_tag", "kind", "colour"])
    with db.write() as s, pytest.raises(InvalidInput) as info:
        import_assets(s, path, actor="t")
    assert "'colour'" in str(info.value)


def test_create_missing_registers_sites_and_people(db: Database, tmp_path: Path) -> None:
    rows = [["MUN-1", "", "pc", "", "", "Library", "", "", "", "", "", "New Person"]]
    with db.write() as s:
        result = import_assets(s, write_csv(tmp_path / "a.csv", rows), actor="t",
                               create_missing=True)
    assert result.created_sites == ["Library"] and result.created_people == ["New Person"]
    with db.read() as s:
        (asset,) = assets.list_assets(s)
    assert (asset.site, asset.assigned_to) == ("Library", "New Person")


def test_xlsx_with_typed_cells(sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Asset Tag", "Serial", "Kind", "Site", "Purchase Date", "Warranty End", "MAC"])
    from datetime import datetime

    sheet.append([1001, "SN-X", "server", "City Hall", datetime(2020, 5, 4), date(2025, 5, 4),
                  "AA:BB:CC:DD:EE:FF"])
    sheet.append([None, None, None, None, None, None, None])  # blank rows are skipped
    sheet.append([1002, 99887766, "ups", "City Hall", None, None, None])
    path = tmp_path / "assets.xlsx"
    book.save(path)
    with sqlite_db.write() as s:
        result = import_assets(s, path, actor="t")
    assert result.created == 2
    with sqlite_db.read() as s:
        server = assets.to_public(s, [assets.get_asset(s, "1001")])[0]
        ups = assets.to_public(s, [assets.get_asset(s, "1002")])[0]
    assert server.purchase_date == date(2020, 5, 4) and server.macs == ["aa:bb:cc:dd:ee:ff"]
    assert ups.serial == "99887766"


def test_semicolon_csv_and_non_utf8(sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db)
    path = write_csv(tmp_path / "semi.csv", [ROWS[1]], delimiter=";")
    with sqlite_db.write() as s:
        assert import_assets(s, path, actor="t").created == 1
    latin = tmp_path / "latin.csv"
    latin.write_bytes("asset_tag,kind,location\nMUN-9,pc,Büro\n".encode("latin-1"))
    with sqlite_db.write() as s, pytest.raises(InvalidInput) as info:
        import_assets(s, latin, actor="t")
    assert "UTF-8" in str(info.value)


def test_cli_import_reports_rows(cli: Cli, tmp_path: Path) -> None:
    cli.ok("sites", "add", "City Hall")
    cli.ok("sites", "add", "District 2")
    cli.ok("people", "add", "Sara Ahmadi", "--employee-id", "E100")
    bad = write_csv(tmp_path / "bad.csv", [ROWS[0], ["MUN-2", "", "pc", "", "", "Nowhere", "",
                                                     "", "", "", "", ""]])
    result = cli("assets", "import", str(bad))
    assert result.code == 5
    assert "line 3" in result.err and "Nowhere" in result.err and "nothing imported" in result.err
    assert cli.ok("assets", "list", "--json").json() == []
    good = write_csv(tmp_path / "good.csv", ROWS)
    assert cli.ok("assets", "import", str(good), "--dry-run", "--json").json()["created"] == 3
    assert cli.ok("assets", "list", "--json").json() == []
    assert cli.ok("assets", "import", str(good), "--json").json()["created"] == 3
    assert len(cli.ok("assets", "list", "--json").json()) == 3  # type: ignore[arg-type]


def test_rows_with_too_few_cells_or_control_characters_are_named(sqlite_db: Database,
                                                                 tmp_path: Path) -> None:
    seed(sqlite_db)
    path = tmp_path / "short.csv"
    path.write_text("asset_tag,serial,kind,site\n"
                    "MUN-1,SN-1,pc,City Hall\n"
                    "MUN-2,SN-2,pc\n"            # a cell missing: a shifted or cut row
                    "MUN-3\x00,SN-3,pc,\n"       # NUL in the tag
                    "MUN-4,SN-4\x1b[2J,pc,\n"    # a terminal escape in the serial
                    "MUN-5,SN-5,pc,City\u009bHall\n", encoding="utf-8")  # C1 CSI
    with sqlite_db.write() as s, pytest.raises(ImportRejected) as info:
        import_assets(s, path, actor="t")
    by_line = {e.line: e.reason for e in info.value.errors}
    assert by_line == {3: "3 cells but the header has 4",
                       4: "asset_tag: control character U+0000 is not allowed",
                       5: "serial: control character U+001B is not allowed",
                       6: "site: control character U+009B is not allowed"}
    assert count(sqlite_db, Asset) == 0


def test_notes_keep_their_line_breaks(sqlite_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "n.csv", [["MUN-1", "pc", "first line\nsecond\tline"]],
                     header=["asset_tag", "kind", "notes"])
    with sqlite_db.write() as s:
        assert import_assets(s, path, actor="t").created == 1
    with sqlite_db.read() as s:
        assert assets.get_asset(s, "MUN-1").notes == "first line\nsecond\tline"


def test_warranty_before_purchase_is_rejected(sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db)
    with sqlite_db.write() as s:
        import_assets(s, write_csv(tmp_path / "a.csv", ROWS[:1]), actor="t")  # bought 2021-03-01
    header = ["asset_tag", "kind", "purchase_date", "warranty_end"]
    rows = [["MUN-8", "pc", "2022-05-01", "2022-04-30"],  # a new asset
            ["MUN-1", "pc", "", "2020-01-01"]]  # a registered one: its stored purchase date
    with sqlite_db.write() as s, pytest.raises(ImportRejected) as info:
        import_assets(s, write_csv(tmp_path / "w.csv", rows, header=header), actor="t")
    by_line = {e.line: e.reason for e in info.value.errors}
    assert "warranty_end 2022-04-30 is before purchase_date 2022-05-01" in by_line[2]
    assert by_line[3] == "warranty_end 2020-01-01 is before purchase_date 2021-03-01"


def test_a_new_tag_on_a_registered_serial_is_a_conflict_never_a_retag(
        sqlite_db: Database, tmp_path: Path) -> None:
    seed(sqlite_db)
    with sqlite_db.write() as s:
        import_assets(s, write_csv(tmp_path / "a.csv", ROWS), actor="t")
    moved = [["MUN-77", "SN-2", "laptop", "", "", "City Hall", "", "", "", "", "", ""]]
    with sqlite_db.write() as s, pytest.raises(ImportRejected) as info:
        import_assets(s, write_csv(tmp_path / "m.csv", moved), actor="t")
    (error,) = info.value.errors
    assert error.reason == "serial 'SN-2' belongs to asset MUN-2, not to a new asset_tag 'MUN-77'"
    with sqlite_db.read() as s:
        laptop = assets.to_public(s, [assets.get_asset(s, "SN-2")])[0]
    assert (laptop.asset_tag, laptop.site) == ("MUN-2", "City Hall")  # not re-tagged, not moved


def test_a_liaison_import_names_no_asset_of_another_district(sqlite_db: Database,
                                                             tmp_path: Path) -> None:
    seed(sqlite_db)
    with sqlite_db.write() as s:
        import_assets(s, write_csv(tmp_path / "a.csv", ROWS), actor="t")  # MUN-3 is in D2
    center = Scope(district="Center")
    rows = [["MUN-90", "", "pc", "", "", "City Hall", "", "", "", "", "", ""],
            ["MUN-3", "", "printer", "", "", "City Hall", "", "", "", "", "", ""],
            ["MUN-91", "", "pc", "", "", "City Hall", "00:11:22:33:44:01", "", "", "", "", ""],
            ["MUN-92", "SN-2", "pc", "", "", "City Hall", "", "", "", "", "", ""]]
    with sqlite_db.write() as s:  # MUN-2 moves to District 2
        d2 = s.exec(select(Site).where(Site.name == "District 2")).one()
        assets.get_asset(s, "MUN-2").site_id = d2.id
    with sqlite_db.write() as s, pytest.raises(ImportRejected) as info:
        import_assets(s, write_csv(tmp_path / "l.csv", rows), actor="liaison", scope=center)
    by_line = {e.line: e.reason for e in info.value.errors}
    assert 2 not in by_line
    assert by_line[3] == "asset_tag 'MUN-3' belongs to another asset"
    assert by_line[4] == "mac 00:11:22:33:44:01 already belongs to asset MUN-1"  # its own
    assert by_line[5] == "serial 'SN-2' belongs to another asset, not to a new asset_tag 'MUN-92'"
    assert "MUN-2" not in " ".join(by_line.values())
