"""Tables for people: they fit 80 columns by choosing columns (named when left out), wrap
identifiers instead of cutting them, show every column with ``--wide``, say the zone of
every time, and name sites and people in histories; ``--json`` is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from muniops.collector.cli.output import fit_columns
from tests.conftest import Cli

MAC = "3c:52:82:aa:bb:cc"


@pytest.fixture
def narrow(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("COLUMNS", "80")
    cli.ok("init")
    cli.ok("sites", "add", "City Hall", "--district", "Center", "--timezone", "Asia/Tehran")
    cli.ok("sites", "add", "District 4 Office", "--district", "D4")
    cli.ok("people", "add", "Sara Ahmadi", "--employee-id", "E100")
    cli.ok("assets", "add", "pc", "--tag", "MUN-1001", "--serial", "7HX2K93-LONG-SERIAL-0001",
           "--vendor", "Dell", "--model", "OptiPlex 7090 Small Form Factor", "--mac", MAC,
           "--site", "City Hall", "--location", "Room 12, second floor, east wing")
    cli.ok("assets", "add", "pc", "--serial", "NO-TAG-SERIAL")  # as an agent would find it
    return cli


def _width(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_listing_fits_80_columns_and_names_what_it_left_out(narrow: Cli) -> None:
    out = narrow.ok("assets", "list").out
    assert _width(out) <= 80
    assert "MUN-1001" in out and "NO-TAG-SERIAL" in out  # every row is named
    assert "…" not in out  # nothing cut
    assert "not shown:" in out and "--wide" in out


def test_wide_shows_every_column_whole(narrow: Cli) -> None:
    out = narrow.ok("--wide", "assets", "list").out
    assert "7HX2K93-LONG-SERIAL-0001" in out and "Room 12, second floor, east wing" in out
    assert "not shown" not in out and _width(out) > 80


def test_identifiers_wrap_rather_than_being_cut(narrow: Cli, tmp_path: Path) -> None:
    out = narrow.ok("assets", "show", "MUN-1001").out
    assert _width(out) <= 80 and "…" not in out
    flat = "".join(out.split())  # a wrapped value reads whole once the breaks are removed
    assert MAC in flat.replace("│", "")


def test_history_names_sites_and_says_the_zone(narrow: Cli) -> None:
    narrow.ok("assets", "move", "MUN-1001", "--site", "District 4 Office")
    out = narrow.ok("--wide", "assets", "show", "MUN-1001").out
    assert "site: City Hall → District 4 Office" in out
    assert "site_id" not in out
    assert " UTC" in out
    shown = narrow.ok("assets", "show", "MUN-1001", "--json").json()
    assert shown["history"][-1]["changes"]["site_id"][1] is not None  # type: ignore[index]


def test_fit_keeps_the_first_column_and_skips_what_does_not_fit() -> None:
    headers = ["name", "description", "state"]
    cells = [["sw-1", "x" * 60, "up"]]
    assert fit_columns(headers, cells, 25) == [0, 2]  # description needs 17 + 3
    assert fit_columns(headers, cells, 200) == [0, 1, 2]
    assert fit_columns(["only"], [["y" * 100]], 10) == [0]
