"""A real collector and a real agent: the agent fetches the backup policy, checks real
restic and borg repositories and a folder of dumps, and each backup reaches its state in
the CLI, the API and the metrics (on SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from muniops.agent.spool import Spool
from muniops.lab.agents import CollectorProcess, run_agent
from tests.backups.conftest import Repos
from tests.conftest import Cli


def _policy(repos: Repos, dumps: Path) -> str:
    return f"""backups:
  max_shrink_percent: 20
  policies:
    - name: oa-db
      source: restic
      path: {repos.restic}
      password_file: {repos.password_file}
      applies_to: {{sites: [City Hall]}}
      every_hours: 48
      max_shrink_percent: 99
    - name: oa-files
      source: borg
      path: {repos.borg}
      password_file: {repos.password_file}
      applies_to: {{sites: [City Hall]}}
      every_hours: 48
    - name: dumps
      source: files
      path: {dumps}/*.sql.gz
      applies_to: {{districts: [Center]}}
      every_hours: 24
    - name: gis
      source: files
      path: {dumps}/gis-*.tar
      applies_to: {{sites: [City Hall]}}
    - name: elsewhere
      source: files
      path: /srv/x/*
      applies_to: {{sites: [Water Works]}}
"""


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _metrics(c: CollectorProcess) -> Samples:
    text = urllib.request.urlopen(c.url + "/metrics", timeout=30).read().decode()
    return {(x.name, frozenset(x.labels.items())): x.value
            for fam in text_string_to_metric_families(text) for x in fam.samples
            if x.name.startswith("muniops_backup")}


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def _by_name(cli: Cli) -> dict[str, Any]:
    return {r["backup"]: r for r in cli.ok("backups", "list", "--json").json()}  # type: ignore[union-attr]


def test_agent_checks_the_policy_and_each_backup_reaches_its_state(
        cli: Cli, own_repos: Repos, tmp_path: Path) -> None:
    repos = own_repos
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    old = dumps / "oa-1.sql.gz"
    old.write_bytes(b"z" * 4000)
    stamp = time.time() - 30 * 3600
    os.utime(old, (stamp, stamp))
    with cli.config.open("a") as fh:
        fh.write(_policy(repos, dumps))
    cli.ok("init")
    cli.ok("sites", "add", "City Hall", "--district", "Center")
    env = {"XDG_CACHE_HOME": str(repos.root / "cache"),
           "BORG_BASE_DIR": str(repos.root / "borg-base")}
    state = tmp_path / "agent"
    with CollectorProcess(cli.config) as c:
        secret = cli.ok("agents", "enroll-secret", "City Hall", "--json").json()["secret"]  # type: ignore[index]
        assert run_agent(state, "enroll", "--server", c.url,
                         env={"MUNIOPS_AGENT_SECRET": secret}).returncode == 0
        sent = run_agent(state, "send", env=env)
        assert sent.returncode == 0, sent.stderr
        kept = json.loads((state / "policy.json").read_text())
        assert [b["name"] for b in kept["backups"]] == ["oa-db", "oa-files", "dumps", "gis"]
        assert repos.password_file.read_text().strip() not in json.dumps(kept)

        rows = _by_name(cli)
        assert set(rows) == {"oa-db", "oa-files", "dumps", "gis"}  # not Water Works'
        assert rows["oa-db"]["state"] == "ok"
        assert rows["oa-db"]["size_bytes"] == repos.sizes[1]
        assert rows["oa-db"]["previous_size_bytes"] is None  # first report: no trend yet
        assert rows["dumps"]["state"] == "late" and 29.9 < rows["dumps"]["age_hours"] < 30.2
        assert rows["gis"]["state"] == "missing" and "no file matches" in rows["gis"]["reason"]
        assert rows["oa-files"]["state"] == "ok"

        metrics = _metrics(c)
        dumps_labels = {"backup": "dumps", "district": "Center", "host": rows["dumps"]["host"],
                        "site": "City Hall", "source": "files"}
        assert _value(metrics, "muniops_backup_state", **dumps_labels, state="late") == 1
        assert _value(metrics, "muniops_backup_state", **dumps_labels, state="ok") == 0
        assert _value(metrics, "muniops_backups", site="City Hall", state="missing") == 1

        # tonight's dump is made; the borg repository gets a much smaller archive
        (dumps / "oa-2.sql.gz").write_bytes(b"z" * 3900)
        (repos.data / "small.txt").write_bytes(b"y" * 10)
        (repos.data / "tiny.txt").write_bytes(b"y" * 10)
        from tests.backups.conftest import _run, _tool_env

        _run(["borg", "create", f"{repos.borg}::n2", str(repos.data)], _tool_env(repos.root))
        assert run_agent(state, "send", env=env).returncode == 0
        rows = _by_name(cli)
        assert rows["dumps"]["state"] == "ok"
        assert rows["oa-files"]["state"] == "suspect"
        assert rows["oa-files"]["size_bytes"] == 20
        assert rows["oa-files"]["previous_size_bytes"] == repos.sizes[1]
        assert "98% smaller" in rows["oa-files"]["reason"]
        metrics = _metrics(c)
        shrink = next(v for (name, labels), v in metrics.items()
                      if name == "muniops_backup_shrink_ratio"
                      and ("backup", "oa-files") in labels)
        assert shrink == pytest.approx(1 - 20 / repos.sizes[1])

        # the API answers the same, and only to people with a token
        token = cli.ok("tokens", "create", "viewer-1", "--role", "viewer", "--json").json()  # type: ignore[union-attr]
        req = urllib.request.Request(c.url + "/api/v1/backups?state=suspect", headers={
            "Authorization": f"Bearer {token['token']}"})  # type: ignore[index]
        api = json.loads(urllib.request.urlopen(req, timeout=30).read())
        assert [r["backup"] for r in api] == ["oa-files"]
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(c.url + "/api/v1/backups", timeout=30)
        assert denied.value.code == 401
        with pytest.raises(urllib.error.HTTPError) as no_agent:
            urllib.request.urlopen(c.url + "/api/v1/agents/policy", timeout=30)
        assert no_agent.value.code == 401

    # the collector is away: the kept policy still drives the checks; the report waits
    spooled = run_agent(state, "send", "--spool-only", env=env)
    assert spooled.returncode == 0, spooled.stderr
    (item,) = Spool(state / "spool").pending()
    waiting = json.loads(gzip.decompress(item.body()))
    assert [b["name"] for b in waiting["backups"]] == ["oa-db", "oa-files", "dumps", "gis"]
