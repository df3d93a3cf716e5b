"""Endpoint-agent peers for tests, the demo and the benchmark: a collector process that can
be killed with SIGKILL and started again on the same port, and real ``muniops-agent``
processes with their own state folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil

from muniops.lab.net import free_port, http_ready, wait_until

BIN = Path(sys.executable).parent


class CollectorProcess:
    """``muniops serve`` on 127.0.0.1:PORT; the port stays the same across restarts."""

    def __init__(self, config: Path, port: int | None = None) -> None:
        self.config = config
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = config.with_suffix(".serve.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "muniops"), "--config", str(self.config), *args],
                              capture_output=True, text=True, check=True, timeout=120)

    def start(self, timeout: float = 60) -> CollectorProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "muniops"), "--config", str(self.config), "serve", "--listen",
                 f"127.0.0.1:{self.port}"], stdout=out, stderr=subprocess.STDOUT)
        wait_until(self._healthy, timeout=timeout, what="muniops collector")
        return self

    def _healthy(self) -> bool:
        assert self.proc is not None
        return http_ready(f"{self.url}/healthz", self.proc, self.log, "muniops serve")

    def kill9(self) -> None:
        """SIGKILL: no graceful shutdown, requests in flight are cut."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def ingest_workers(self) -> list[psutil.Process]:
        """Its ingest worker processes (``collector/agents/pool.py``) running now."""
        assert self.proc is not None
        return [p for p in psutil.Process(self.proc.pid).children()
                if "spawn_main" in " ".join(p.cmdline())]

    def enroll(self, secret: str, hostname: str) -> dict[str, str]:
        """An agent enrolled over the API as an agent would: its ``agent_id`` and ``token``."""
        req = urllib.request.Request(
            self.url + "/api/v1/agents/enroll", method="POST",
            data=json.dumps({"secret": secret, "hostname": hostname}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return dict(json.loads(r.read()))

    def metric(self, sample: str) -> float:
        """The value of one sample of its ``/metrics``, e.g. ``name{label="x"}``; 0 when the
        sample is not there (a labelled counter not yet counted)."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=30) as r:
            text = r.read().decode()
        return next((float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                     if line.startswith(sample + " ")), 0.0)

    def __enter__(self) -> CollectorProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def agent_argv(state_dir: Path, *args: str) -> list[str]:
    return [str(BIN / "muniops-agent"), "--state-dir", str(state_dir), *args]


def run_agent(state_dir: Path, *args: str, timeout: float = 120,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(agent_argv(state_dir, *args), capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def write_config(folder: Path, database_url: str | None = None, extra: str = "") -> Path:
    """A collector config with a private data folder (and SQLite unless a URL is given)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "muniops.yaml"
    lines = [f"data_dir: {folder / 'data'}", "logging:", "  level: WARNING"]
    if database_url:
        lines.append(f"database_url: '{database_url}'")
    config.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return config


def spooled_agent(state: Path, server: str, secret: str, kind: str, count: int
                  ) -> tuple[str, list[str]]:
    """A real agent enrolled as a host of its own, ``count`` reports of ``kind`` waiting in
    its spool: its id, and the report ids in the order it will send them."""
    enrolled = run_agent(state, "enroll", "--server", server, "--as-new-host",
                         "--secret", secret)
    assert enrolled.returncode == 0, enrolled.stderr
    sent = run_agent(state, "send", "--kind", kind, "--count", str(count), "--spool-only")
    assert sent.returncode == 0, sent.stderr
    return json.loads(enrolled.stdout)["agent_id"], json.loads(sent.stdout)["spooled"]


def flushing(states: list[Path], retry_for: float = 120) -> list[subprocess.Popen[str]]:
    """Real agents delivering their spools, all at once, retrying for ``retry_for`` s."""
    return [subprocess.Popen(agent_argv(state, "flush", "--retry-for", str(retry_for)),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for state in states]


def delivered(procs: list[subprocess.Popen[str]], timeout: float = 180) -> list[str]:
    """The report ids the agents were answered 2xx for, once every one has ended with
    nothing pending and nothing rejected."""
    out: list[str] = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, stderr
        outcome = json.loads(stdout)
        assert outcome["pending"] == 0 and outcome["rejected"] == 0, outcome
        out += outcome["delivered"]
    return out


def arrived(database_url: str, uids: list[str]) -> dict[str, list[str]]:
    """Each agent's report ids in the store's ledger, in the order they were stored."""
    from sqlmodel import col, select

    from muniops.inventory.db import Database
    from muniops.inventory.models import Agent, AgentReport

    db = Database(database_url)
    try:
        with db.read() as s:
            return {uid: list(s.exec(
                select(AgentReport.report_id).join(Agent, col(Agent.id) == AgentReport.agent_id)
                .where(Agent.uid == uid).order_by(col(AgentReport.id))).all()) for uid in uids}
    finally:
        db.dispose()
