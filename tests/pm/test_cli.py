"""``muniops pm`` end to end through the CLI, on both stores."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import Cli

PM_CONFIG = """
pm:
  max_per_week: 5
  default:
    team: hardware
    checklist: [clean fans, check disks, check cables]
  policies:
    - name: network
      kinds: [switch]
      team: network
      checklist: [check fans, check logs]
"""


@pytest.fixture
def pm_cli(cli: Cli, tmp_path: Any) -> Cli:
    cli.config.write_text(cli.config.read_text() + PM_CONFIG)
    cli.ok("sites", "add", "City Hall", "--district", "Center", "--timezone", "Asia/Tehran")
    csv = tmp_path / "assets.csv"
    csv.write_text("asset_tag,kind,site,status\n" + "".join(
        f"PC-{n},pc,City Hall,deployed\n" for n in range(12)) + "SW-1,switch,City Hall,deployed\n")
    cli.ok("assets", "import", str(csv))
    return cli


def test_plan_due_done_skip_show(pm_cli: Cli) -> None:
    plan: Any = pm_cli.ok("pm", "plan", "--json").json()
    assert plan["created"] == 13 and plan["over_cap"] == []
    assert all(row["tasks"] <= 5 for row in plan["load"])
    ahead: Any = pm_cli.ok("pm", "due", "--days", "200", "--json").json()
    assert len(ahead) == 13
    first = ahead[0]
    assert {"id", "asset", "site", "due_date", "team", "state", "week"} <= set(first)
    assert first["site"] == "City Hall"
    date.fromisoformat(first["due_date"])  # an ISO date
    network = [t for t in ahead if t["asset"] == "SW-1"]
    assert network[0]["team"] == "network"
    week = pm_cli.ok("pm", "due", "--week", first["week"], "--json").json()
    assert isinstance(week, list) and {t["week"] for t in week} == {first["week"]}

    task = str(first["id"])
    done: Any = pm_cli.ok("pm", "done", task, "--by", "Reza", "--fail", "check disks=noisy",
                          "--repair", "--json").json()
    assert done[0]["repair_ticket"] is not None
    tickets: Any = pm_cli.ok("repairs", "list", "--json").json()
    assert [t["part"] for t in tickets] == ["check disks"]
    shown: Any = pm_cli.ok("pm", "show", task, "--json").json()
    assert shown["state"] == "done" and shown["record"]["performed_by"] == "Reza"
    assert shown["record"]["items"][1] == {"item": "check disks", "result": "not_ok",
                                           "note": "noisy"}
    again = pm_cli("pm", "done", task, "--by", "Reza")
    assert again.code == 4 and "already done" in again.err

    other = str(ahead[1]["id"])
    assert pm_cli("pm", "skip", other, "--reason", "").code == 5
    pm_cli.ok("pm", "skip", other, "--reason", "room locked")
    assert pm_cli.ok("pm", "show", other, "--json").json()["skip_reason"] == "room locked"
    bad = pm_cli("pm", "done", str(ahead[2]["id"]), "--by", "x", "--fail", "repaint")
    assert bad.code == 5 and "not on the checklist" in bad.err
    assert pm_cli("pm", "show", "9999").code == 3


def test_retired_asset_loses_its_plan(pm_cli: Cli) -> None:
    pm_cli.ok("pm", "plan")
    pm_cli.ok("assets", "retire", "PC-3")
    plan: Any = pm_cli.ok("pm", "plan", "--json").json()
    assert plan["removed"] == 1
    tasks: Any = pm_cli.ok("pm", "due", "--days", "400", "--json").json()
    assert "PC-3" not in {t["asset"] for t in tasks}


def test_due_lists_only_due_and_overdue(pm_cli: Cli) -> None:
    pm_cli.ok("pm", "plan")
    due: Any = pm_cli.ok("pm", "due", "--json").json()
    assert due and all(t["state"] in ("due", "overdue") for t in due)
    horizon = date.today() + timedelta(days=30)
    assert all(date.fromisoformat(t["due_date"]) <= horizon for t in due)
    assert pm_cli("pm", "due", "--week", "next").code == 5
