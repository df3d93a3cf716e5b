"""Debian's Prometheus and promtool, as a throwaway server on a free port.

The shipped configuration (``config/prometheus/``) is copied into a private directory with
the scrape targets replaced, so the demo, the tests and the benchmark run the same rules
the department deploys, against a collector on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from muniops.lab.net import free_port, http_ready, stop, wait_until

log = logging.getLogger(__name__)

PROMETHEUS = "prometheus"
PROMTOOL = "promtool"
SHIPPED = Path(__file__).resolve().parents[2] / "config" / "prometheus"


class PrometheusError(Exception):
    """Prometheus or promtool refused something; the message carries its own words."""


def available() -> bool:
    return shutil.which(PROMETHEUS) is not None and shutil.which(PROMTOOL) is not None


def alerts_path() -> str:
    """Where the server lists alerts: ``/alerts`` from Prometheus 3, ``/classic/alerts`` in
    2.x's classic UI (Debian 12 ships 2.42, whose new UI has no alerts page at ``/alerts``)."""
    out = subprocess.run([PROMETHEUS, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"version (\d+)\.", out)
    return "/classic/alerts" if found and int(found.group(1)) < 3 else "/alerts"


def promtool(*args: str, stdin: str | bytes | None = None, timeout: float = 120) -> str:
    """Run promtool; returns its output, raises PrometheusError with it on failure."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run([PROMTOOL, *args], input=data, capture_output=True, timeout=timeout)
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    if proc.returncode != 0:
        raise PrometheusError(f"promtool {' '.join(args)}: exit {proc.returncode}\n{out}")
    return out


def scrape_config(targets: Sequence[str], *, rule_files: Sequence[Path] = (),
                  base: Path = SHIPPED / "prometheus.yml", interval: str | None = None) -> str:
    """The shipped prometheus.yml with the muniops job pointed at ``targets``."""
    config: dict[str, Any] = yaml.safe_load(base.read_text(encoding="utf-8"))
    config["rule_files"] = [str(p) for p in rule_files]
    config.pop("alerting", None)
    for job in config["scrape_configs"]:
        if job["job_name"] == "muniops":
            job["static_configs"] = [{"targets": list(targets)}]
            if interval:
                job["scrape_interval"] = job["scrape_timeout"] = interval
    if interval:
        config["global"]["scrape_interval"] = interval
        config["global"]["evaluation_interval"] = interval
    return yaml.safe_dump(config, sort_keys=False)


def shipped_rule_files(folder: Path = SHIPPED / "rules") -> list[Path]:
    return sorted(folder.glob("*.yml"))


@dataclass
class Prometheus:
    """A running server: its base URL and the HTTP API calls the tests and demo use."""

    url: str
    pid: int
    root: Path

    def api(self, path: str, **params: str) -> Any:
        """GET /api/v1/<path>; returns ``data``, raises PrometheusError with Prometheus' error."""
        query = urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=30) as r:
                body = json.load(r)
        except urllib.error.HTTPError as exc:
            body = json.load(exc)
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        data = self.api("query", query=expr)
        result: list[dict[str, Any]] = data["result"] if data["resultType"] == "vector" else []
        return result

    def query_range(self, expr: str, seconds: float, step: str = "5s") -> list[dict[str, Any]]:
        end = time.time()
        data = self.api("query_range", query=expr, start=f"{end - seconds:.3f}", end=f"{end:.3f}",
                        step=step)
        result: list[dict[str, Any]] = data["result"]
        return result

    def targets_up(self) -> bool:
        active = self.api("targets")["activeTargets"]
        return bool(active) and all(t["health"] == "up" for t in active)

    def scrapes_done(self, job: str, count: int) -> bool:
        """Whether every target of ``job`` has been scraped at least ``count`` times."""
        found = self.query(f'count_over_time(up{{job="{job}"}}[10m])')
        return bool(found) and all(float(r["value"][1]) >= count for r in found)


@contextmanager
def running_prometheus(config_text: str, *, rule_files: Sequence[Path] = (),
                       port: int | None = None, timeout: float = 30) -> Iterator[Prometheus]:
    """Start ``prometheus`` with this config (rule files copied beside it) and a private
    TSDB; stop it by PID. ``config_text`` names rule files by the paths given here."""
    root = Path(tempfile.mkdtemp(prefix="muniops-prom-"))
    try:
        config = _private_config(root, config_text, rule_files)
        with (root / "prometheus.log").open("wb") as logfile:
            yield from _serve(root, config, port or free_port(), logfile, timeout)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _private_config(root: Path, config_text: str, rule_files: Sequence[Path]) -> Path:
    for rule in rule_files:
        shutil.copy(rule, root / rule.name)
        config_text = config_text.replace(str(rule), str(root / rule.name))
    config = root / "prometheus.yml"
    config.write_text(config_text, encoding="utf-8")
    promtool("check", "config", str(config))
    return config


def _serve(root: Path, config: Path, port: int, logfile: IO[bytes],
           timeout: float) -> Iterator[Prometheus]:
    proc = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={root / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--web.enable-lifecycle",
         "--storage.tsdb.retention.time=1d", "--log.level=warn"],
        stdout=logfile, stderr=subprocess.STDOUT)
    server = Prometheus(f"http://127.0.0.1:{port}", proc.pid, root)
    try:
        wait_until(lambda: http_ready(f"{server.url}/-/ready", proc, root / "prometheus.log",
                                      "prometheus", PrometheusError), timeout=timeout,
                   what="prometheus")
        log.info("prometheus on %s (pid %s)", server.url, proc.pid)
        yield server
    finally:
        stop(proc, 10)
