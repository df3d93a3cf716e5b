"""Hostile reports against a real ``muniops serve`` (SQLite and PostgreSQL): each is refused
with a 4xx naming the field, the store is untouched, the collector's memory stays bounded;
an agent cannot claim another district's asset or another agent's report id."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from muniops.lab.agents import CollectorProcess, run_agent
from tests.conftest import Cli


def post(c: CollectorProcess, path: str, token: str, body: bytes,
         gz: bool = True) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if gz:
        headers["Content-Encoding"] = "gzip"
    req = urllib.request.Request(c.url + path, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def get(c: CollectorProcess, path: str, token: str) -> int:
    req = urllib.request.Request(c.url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def report(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, "report_id": str(uuid.uuid4()),
            "created_at": datetime.now(UTC).isoformat(), **changes}


def gz(doc: Any) -> bytes:
    return gzip.compress(json.dumps(doc).encode())


def enroll(cli: Cli, c: CollectorProcess, site: str, name: str) -> str:
    secret = cli.ok("agents", "enroll-secret", site, "--json").json()["secret"]
    return c.enroll(secret, name)["token"]


def ledger(cli: Cli) -> int:
    return sum(a["reports"] for a in cli.ok("agents", "--json").json())


@pytest.fixture
def lab(cli: Cli, tmp_path: Path) -> tuple[CollectorProcess, dict[str, Any]]:
    cli.ok("init")
    cli.ok("sites", "add", "Hall D1", "--district", "D1")
    cli.ok("sites", "add", "Hall D2", "--district", "D2")
    base = json.loads(run_agent(tmp_path / "state", "inventory", "--print").stdout)
    return CollectorProcess(cli.config), base


def test_hostile_reports_are_refused_naming_the_field(
        lab: tuple[CollectorProcess, dict[str, Any]], cli: Cli) -> None:
    c, base = lab
    path = "/api/v1/agents/reports"
    with c:
        token = enroll(cli, c, "Hall D1", "pc-1")
        rss_before = psutil.Process(c.proc.pid).memory_info().rss  # type: ignore[union-attr]
        future = (datetime.now(UTC) + timedelta(days=3650)).isoformat()
        nested = json.dumps(report(base, extra_section="NEST")).replace(
            '"NEST"', "[" * 3000 + "0" + "]" * 3000).encode()
        cases = {
            "a date ten years ahead": (gz(report(base, created_at=future)), "created_at"),
            "year 1 with an offset": (gz(report(base, created_at="0001-01-01T00:00:00+05:00")),
                                      "created_at"),
            "year 9999 with an offset": (gz(report(base, created_at="9999-12-31T23:59:59-05:00")),
                                         "created_at"),
            "nested 3,000 deep": (gzip.compress(nested), None),
            "a 10 MB string": (gz(report(base, os={"name": "x" * 10_000_000})), None),
            "an integer beyond 64 bits": (gz(report(base, memory={"total_bytes": 2**70})),
                                          "memory.total_bytes"),
            # 30 MB of JSON once expanded, 30 KB as sent: refused while expanding
            "an expanding array": (gzip.compress(b'{"schema_version": 1, "x": [' +
                                                 b"0," * 15_000_000 + b"0]}"), "body"),
        }
        for what, (body, field) in cases.items():
            code, answer = post(c, path, token, body)
            assert 400 <= code < 500, (what, code, answer)
            if field is not None:
                assert answer["field"] == field, (what, answer)
        rss_after = psutil.Process(c.proc.pid).memory_info().rss  # type: ignore[union-attr]
        assert rss_after - rss_before < 200 * 2**20, "refusing reports took the memory"
        assert ledger(cli) == 0, "a refused report reached the store"

        # control characters never reach the store or a terminal
        code, _ = post(c, path, token, gz(report(base, host={"hostname": "pc\x1b[2J-1\r\x00"})))
        assert code == 200
        (agent,) = cli.ok("agents", "--json").json()
        assert agent["hostname"] == "pc[2J-1"

        # integers beyond 64 bits in a path or a query: an answer, not a crash
        admin = cli.ok("tokens", "create", "root", "--role", "admin", "--json").json()["token"]
        assert get(c, "/api/v1/audit?limit=99999999999999999999999", admin) == 422
        assert get(c, "/api/v1/assets/%2399999999999999999999999", admin) == 404
        code, _ = post(c, "/api/v1/repairs/99999999999999999999999/close", admin, b"{}",
                       gz=False)
        assert code == 422


def test_an_agent_claims_only_its_own_district(
        lab: tuple[CollectorProcess, dict[str, Any]], cli: Cli) -> None:
    c, base = lab
    cli.ok("assets", "add", "pc", "--tag", "D2-001", "--serial", "SERIAL-D2",
           "--site", "Hall D2")
    cli.ok("assets", "add", "pc", "--tag", "D1-001", "--serial", "SERIAL-D1",
           "--site", "Hall D1")
    path = "/api/v1/agents/reports"
    ident = base.get("identity") or {}
    with c:
        d1 = enroll(cli, c, "Hall D1", "pc-d1")
        stolen = report(base, host={"hostname": "intruder"}, network=[],
                        identity={**ident, "hostname": "intruder", "serial": "SERIAL-D2"})
        code, answer = post(c, path, d1, gz(stolen))
        assert code == 200 and answer["asset_id"] is None
        other = cli.ok("host", "show", "D2-001", "--json").json()
        assert other["facts"] is None and other["agents"] == []
        assert cli.ok("assets", "show", "D2-001", "--json").json()["hostname"] in (None, "")
        audit = cli.ok("assets", "show", "D2-001", "--json").json()["history"]
        assert any(h["action"] == "agent.claim_refused" for h in audit), audit

        own = report(base, host={"hostname": "pc-d1"}, network=[],
                     identity={**ident, "hostname": "pc-d1", "serial": "SERIAL-D1"})
        code, answer = post(c, path, d1, gz(own))
        assert code == 200 and answer["asset_id"] is not None
        history = cli.ok("assets", "show", "D1-001", "--json").json()["history"]
        assert any(h["action"] == "agent.claim" for h in history)

        # another agent reusing that report's id is told so, and nothing is dropped silently
        d1b = enroll(cli, c, "Hall D1", "pc-d1b")
        code, answer = post(c, path, d1b, gz({**own, "host": {"hostname": "pc-d1b"}}))
        assert code == 409 and answer["field"] == "report_id"
        code, answer = post(c, path, d1, gz(own))
        assert code == 200 and answer["status"] == "duplicate"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)
FIELDS = ["schema_version", "report_id", "kind", "agent_version", "created_at", "host",
          "identity", "os", "cpu", "memory", "disks", "filesystems", "network", "software",
          "antivirus", "health"]


@pytest.mark.slow
def test_fuzzed_reports_get_a_4xx_naming_a_field(
        lab: tuple[CollectorProcess, dict[str, Any]], cli: Cli) -> None:
    """Any section of a real report replaced by any JSON value: never a 5xx; a refusal
    names the field; nothing refused reaches the store."""
    c, base = lab
    with c:
        token = enroll(cli, c, "Hall D1", "pc-fuzz")
        accepted = [0]

        @settings(max_examples=60, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(field=st.sampled_from(FIELDS), value=JSON_VALUES)
        def one(field: str, value: Any) -> None:
            code, answer = post(c, "/api/v1/agents/reports", token,
                                gz(report(base, **{field: value})))
            assert code < 500, (field, value, answer)
            if code >= 400:
                assert answer.get("field"), answer
            else:
                accepted[0] += 1

        one()
        assert ledger(cli) == accepted[0]
