"""A claim across districts, refused at ingest, decided by a technician: a real ``muniops
serve`` (SQLite and PostgreSQL), agents posting real reports, ``muniops agents claims``
and the API routes under the roles and districts that may and may not decide."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from muniops.lab.agents import CollectorProcess, run_agent
from tests.agent.test_hostile_reports import enroll, gz, post, report
from tests.conftest import Cli

REPORTS = "/api/v1/agents/reports"


def call(c: CollectorProcess, method: str, path: str, token: str) -> tuple[int, Any]:
    req = urllib.request.Request(c.url + path, method=method, data=b"" if method == "POST"
                                 else None, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def token(cli: Cli, name: str, role: str, district: str | None = None) -> str:
    extra = ["--district", district] if district else []
    return str(cli.ok("tokens", "create", name, "--role", role, *extra, "--json"
                      ).json()["token"])  # type: ignore[index]


@pytest.fixture
def lab(cli: Cli, tmp_path: Path) -> tuple[CollectorProcess, dict[str, Any]]:
    cli.ok("init")
    cli.ok("sites", "add", "Hall D1", "--district", "D1")
    cli.ok("sites", "add", "Hall D2", "--district", "D2")
    cli.ok("assets", "add", "pc", "--tag", "D2-001", "--serial", "SERIAL-D2", "--site",
           "Hall D2")
    cli.ok("assets", "add", "pc", "--tag", "D2-002", "--serial", "SERIAL-D2B", "--site",
           "Hall D2")
    base = json.loads(run_agent(tmp_path / "state", "inventory", "--print").stdout)
    return CollectorProcess(cli.config), base


def _claiming(base: dict[str, Any], hostname: str, serial: str) -> bytes:
    ident = base.get("identity") or {}
    return gz(report(base, host={"hostname": hostname}, network=[],
                     identity={**ident, "hostname": hostname, "serial": serial}))


def test_a_refused_claim_is_listed_and_a_technician_confirms_or_rejects_it(
        lab: tuple[CollectorProcess, dict[str, Any]], cli: Cli) -> None:
    c, base = lab
    with c:
        moved = enroll(cli, c, "Hall D1", "moved-pc")  # a D2 machine now set up in D1
        for _ in range(2):
            code, answer = post(c, REPORTS, moved, _claiming(base, "moved-pc", "SERIAL-D2"))
            assert code == 200 and answer["asset_id"] is None  # refused, kept in the ledger
        (claim,) = cli.ok("agents", "claims", "--json").json()  # type: ignore[misc]
        assert (claim["state"], claim["asset_tag"], claim["asset_district"],
                claim["agent_hostname"], claim["agent_district"], claim["matched_by"],
                claim["reports"]) == ("pending", "D2-001", "D2", "moved-pc", "D1", "serial", 2)
        assert "moved-pc" in cli.ok("agents", "claims").out  # the table

        # only the district whose asset it is may see and decide it; a viewer may not decide
        d1, d2 = token(cli, "l1", "liaison", "D1"), token(cli, "l2", "liaison", "D2")
        viewer = token(cli, "v", "viewer")
        assert call(c, "GET", "/api/v1/agents/claims", d1) == (200, [])
        assert call(c, "POST", f"/api/v1/agents/claims/{claim['id']}/confirm", d1)[0] == 404
        assert call(c, "POST", f"/api/v1/agents/claims/{claim['id']}/confirm", viewer)[0] == 403
        assert call(c, "POST", "/api/v1/agents/claims/99999999999999999999/confirm", d2
                    )[0] == 422
        code, listed = call(c, "GET", "/api/v1/agents/claims", d2)
        assert code == 200 and [x["id"] for x in listed] == [claim["id"]]
        code, decided = call(c, "POST", f"/api/v1/agents/claims/{claim['id']}/confirm", d2)
        assert code == 200 and decided["state"] == "confirmed" and decided["decided_by"]
        assert call(c, "POST", f"/api/v1/agents/claims/{claim['id']}/reject", d2)[0] == 409

        # confirmed: the agent's next report is that asset's
        code, answer = post(c, REPORTS, moved, _claiming(base, "moved-pc", "SERIAL-D2"))
        assert code == 200 and answer["asset_id"] is not None
        host = cli.ok("host", "show", "D2-001", "--json").json()
        assert host["facts"] is not None  # type: ignore[index]
        history = cli.ok("assets", "show", "D2-001", "--json").json()["history"]  # type: ignore[index]
        assert any(h["action"] == "agent.claim_confirmed" for h in history)

        # rejected at the CLI: it stays refused and is not asked about again
        other = enroll(cli, c, "Hall D1", "other-pc")
        post(c, REPORTS, other, _claiming(base, "other-pc", "SERIAL-D2B"))
        (second,) = cli.ok("agents", "claims", "--json").json()  # type: ignore[misc]
        assert second["asset_tag"] == "D2-002"
        cli.ok("agents", "claims", "reject", str(second["id"]))
        code, answer = post(c, REPORTS, other, _claiming(base, "other-pc", "SERIAL-D2B"))
        assert code == 200 and answer["asset_id"] is None
        assert cli.ok("agents", "claims", "--json").json() == []
        decided_all = {x["asset_tag"]: x for x in cli.ok("agents", "claims", "--all",
                                                         "--json").json()}  # type: ignore[union-attr]
        assert decided_all["D2-002"]["state"] == "rejected"
        assert decided_all["D2-002"]["reports"] == 2
        assert decided_all["D2-001"]["state"] == "confirmed"
        again = cli("agents", "claims", "confirm", str(second["id"]))
        assert again.code == 4 and "already rejected" in again.err
        missing = cli("agents", "claims", "confirm", "424242")
        assert missing.code == 3 and "claim 424242 not found" in missing.err
