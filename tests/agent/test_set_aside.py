"""A report the collector fails on (500) does not hold up the spool: a real ``muniops
serve`` whose store raises an error for one report id, and a real ``muniops-agent``. The
report is counted, set aside after N failures (kept on disk, shown by ``status``), the
others are delivered, and ``flush --retry-set-aside`` sends it once the store is fixed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from muniops.lab.agents import CollectorProcess, run_agent
from tests.conftest import Cli


def _status(state: Path) -> dict[str, object]:
    shown = run_agent(state, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)  # type: ignore[no-any-return]


def _stored(store: Path) -> set[str]:
    with sqlite3.connect(store) as conn:
        return {r[0] for r in conn.execute("SELECT report_id FROM agent_report")}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_report_the_collector_fails_on_is_set_aside_and_the_rest_delivered(
        cli: Cli, db_url: str, tmp_path: Path) -> None:
    store = Path(str(make_url(db_url).database))
    cli.ok("init")
    cli.ok("sites", "add", "City Hall", "--district", "Center")
    secret = cli.ok("agents", "enroll-secret", "City Hall", "--json").json()["secret"]  # type: ignore[index]
    state = tmp_path / "agent"
    with CollectorProcess(cli.config) as c:
        enrolled = run_agent(state, "enroll", "--server", c.url, "--as-new-host",
                             env={"MUNIOPS_AGENT_SECRET": secret})
        assert enrolled.returncode == 0, enrolled.stderr
        spooled = run_agent(state, "send", "--kind", "heartbeat", "--count", "3", "--spool-only")
        first, poison, last = json.loads(spooled.stdout)["spooled"]
        # a real store error for one report: "string or blob too big" (not a lock or a full
        # disk, which the collector answers 503 and the agent waits out)
        with sqlite3.connect(store) as conn:
            conn.execute("CREATE TRIGGER poison BEFORE INSERT ON agent_report "
                         f"WHEN NEW.report_id = '{poison}' BEGIN SELECT zeroblob(2000000000); END")

        out = run_agent(state, "flush", "--set-aside-after", "3")
        assert out.returncode == 2  # something still waits
        got = json.loads(out.stdout)
        assert (got["accepted"], got["failed"], got["set_aside"]) == (2, 1, 0)
        assert _stored(store) == {first, last}  # the ones behind it went through
        shown = _status(state)
        assert shown["pending"] == [poison] and shown["set_aside"] == 0
        assert shown["failing"] == [{"report_id": poison, "kind": "heartbeat", "failures": 1,
                                     "last_answer": "500"}]

        # a report spooled later is not held up by the failing one either
        newer = json.loads(run_agent(state, "send", "--kind", "heartbeat", "--spool-only"
                                     ).stdout)["spooled"][0]
        assert json.loads(run_agent(state, "flush", "--set-aside-after", "3").stdout
                          )["delivered"] == [newer]
        third = json.loads(run_agent(state, "flush", "--set-aside-after", "3").stdout)
        assert third["set_aside"] == 1 and third["pending"] == 0
        shown = _status(state)
        assert shown["pending"] == [] and shown["set_aside"] == 1
        assert shown["set_aside_reports"][0]["report_id"] == poison  # type: ignore[index]
        assert shown["set_aside_reports"][0]["failures"] == 3  # type: ignore[index]
        kept = list((state / "spool" / "set-aside").glob(f"*{poison}.json.gz"))
        assert len(kept) == 1  # kept on disk, whole
        assert run_agent(state, "flush").returncode == 0  # nothing waits: not retried

        # the store mended: the set-aside report goes through, once
        with sqlite3.connect(store) as conn:
            conn.execute("DROP TRIGGER poison")
        again = json.loads(run_agent(state, "flush", "--retry-set-aside").stdout)
        assert again["delivered"] == [poison] and again["pending"] == 0
        assert _stored(store) == {first, last, newer, poison}
        assert _status(state)["set_aside"] == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_degraded_store_counts_against_no_report(cli: Cli, tmp_path: Path) -> None:
    """503 (the store locked, away or its disk full) is "later", never a strike."""
    from muniops.agent.spool import Spool

    cli.ok("init")
    cli.ok("sites", "add", "City Hall", "--district", "Center")
    secret = cli.ok("agents", "enroll-secret", "City Hall", "--json").json()["secret"]  # type: ignore[index]
    state = tmp_path / "agent"
    c = CollectorProcess(cli.config)
    with c:
        assert run_agent(state, "enroll", "--server", c.url, "--as-new-host",
                         env={"MUNIOPS_AGENT_SECRET": secret}).returncode == 0
    # the collector gone: every attempt fails, none is counted
    run_agent(state, "send", "--kind", "heartbeat", "--spool-only")
    for _ in range(3):
        assert run_agent(state, "flush", "--set-aside-after", "1").returncode == 2
    spool = Spool(state / "spool", create=False)
    assert len(spool.pending()) == 1 and not spool.failures(spool.pending()[0])
    assert _status(state)["set_aside"] == 0
