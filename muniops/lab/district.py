"""A central collector serving HTTPS with its own private CA, and district collectors that
forward to it, as real ``muniops serve`` processes on 127.0.0.1 — for the district tests
and ``bench/scale.py``."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from muniops.inventory.db import sqlite_url
from muniops.lab.agents import BIN, CollectorProcess, write_config
from muniops.lab.net import free_port, http_ready, stop, wait_until
from muniops.lab.prometheus import PROMETHEUS


def muniops(config: Path, *args: str) -> str:
    done = subprocess.run([str(BIN / "muniops"), "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"muniops {' '.join(args)} failed: {done.stderr}")
    return done.stdout


class HttpsCollector(CollectorProcess):
    """``muniops serve`` with the TLS certificate of its config, checked with ``ca``."""

    def __init__(self, config: Path, ca: Path, port: int | None = None) -> None:
        super().__init__(config, port)
        self.url = f"https://127.0.0.1:{self.port}"
        self.ca = ca

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"muniops serve exited with {self.proc.returncode}:\n"
                               + self.log.read_text(errors="replace")[-3000:])
        context = ssl.create_default_context(cafile=str(self.ca))
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1,
                                        context=context) as r:
                return bool(r.status == 200)
        except (urllib.error.URLError, OSError):
            return False


@dataclass
class Central:
    process: HttpsCollector
    config: Path
    ca: Path
    database_url: str

    def secret_for(self, site: str, district: str) -> str:
        muniops(self.config, "sites", "add", site, "--district", district)
        out = json.loads(muniops(self.config, "agents", "enroll-secret", site, "--json"))
        return str(out["secret"])


def make_central(folder: Path, database_url: str | None = None,
                 hosts: tuple[str, ...] = ("127.0.0.1",)) -> Central:
    """A migrated central store with a private CA and the collector's certificate for
    ``hosts`` (the addresses districts reach it at)."""
    config = write_config(folder, database_url)
    muniops(config, "init")
    names = [arg for host in hosts for arg in ("--host", host)]
    made = json.loads(muniops(config, "tls", "init", *names, "--json"))
    data = yaml.safe_load(config.read_text())
    data["api"] = made["api"]
    config.write_text(yaml.safe_dump(data))
    url = database_url or sqlite_url(folder / "data")
    return Central(HttpsCollector(config, Path(made["ca_file"])), config,
                   Path(made["ca_file"]), url)


@dataclass
class District:
    process: CollectorProcess
    config: Path
    agent_secret: str  # the local secret this district's agents enrol with

    @property
    def data_dir(self) -> Path:
        return self.config.parent / "data"


def make_district(folder: Path, central: Central, name: str, secret: str, *,
                  site: str, district: str, batch_size: int = 200,
                  forward_every: int = 1, central_url: str | None = None,
                  extra: dict[str, Any] | None = None) -> District:
    """A district collector (SQLite of its own) enrolling at ``central`` with ``secret``,
    with a local site of the same name its agents enrol at. ``extra``: more of its config
    (``credentials_file``, ``snmp``; a ``district`` key adds to that section)."""
    more = dict(extra or {})
    section: dict[str, Any] = {"district": {
        "role": "district", "name": name, "central_url": central_url or central.process.url,
        "enrolment_secret": secret, "ca_file": str(central.ca), "batch_size": batch_size,
        "forward_every_seconds": forward_every, **more.pop("district", {})}, **more}
    config = write_config(folder, extra=yaml.safe_dump(section))
    muniops(config, "init")
    muniops(config, "sites", "add", site, "--district", district)
    local = json.loads(muniops(config, "agents", "enroll-secret", site, "--json"))["secret"]
    return District(CollectorProcess(config, free_port()), config, str(local))


class PrometheusProcess:
    """Debian's Prometheus with a config and data folder of its own, on a port that stays
    the same across restarts (a receiver that goes away and comes back), with extra flags
    (``--enable-feature=agent``, ``--web.enable-remote-write-receiver``)."""

    def __init__(self, root: Path, config_text: str, *flags: str, agent: bool = False,
                 port: int | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.flags, self.agent = root, flags, agent
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = root / "prometheus.yml"
        self.config.write_text(config_text, encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> PrometheusProcess:
        storage = "--storage.agent.path" if self.agent else "--storage.tsdb.path"
        log = self.root / "prometheus.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={self.config}", f"{storage}={self.root / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn",
                 *self.flags], stdout=out, stderr=subprocess.STDOUT)
        proc = self.proc
        wait_until(lambda: http_ready(f"{self.url}/-/ready", proc, log, "prometheus"),
                   timeout=timeout, what="prometheus")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, 10)
            self.proc = None

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=30) as r:
            body = json.load(r)
        return body["data"]


class NetnsCollector(CollectorProcess):
    """``muniops serve`` inside network namespace ``ns`` (``ip netns exec``), checked from
    inside it: the test's own namespaces only, never another address."""

    def __init__(self, config: Path, ns: str, listen: str, health_url: str,
                 ca: Path | None = None) -> None:
        super().__init__(config, int(listen.rsplit(":", 1)[1]))
        self.ns, self.listen, self.url, self.ca = ns, listen, health_url.rsplit("/healthz")[0], ca
        self.health_url = health_url

    def start(self, timeout: float = 60) -> NetnsCollector:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, str(BIN / "muniops"), "--config",
                 str(self.config), "serve", "--listen", self.listen],
                stdout=out, stderr=subprocess.STDOUT)
        wait_until(self._healthy, timeout=timeout, what=f"muniops serve in {self.ns}")
        return self

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"muniops serve in {self.ns} exited:\n"
                               + self.log.read_text(errors="replace")[-3000:])
        context = f"ssl.create_default_context(cafile={str(self.ca)!r})" if self.ca else "None"
        probe = ("import ssl, urllib.request, sys\n"
                 f"urllib.request.urlopen({self.health_url!r}, timeout=1, context={context})")
        done = subprocess.run(["ip", "netns", "exec", self.ns, sys.executable, "-I", "-c",
                               probe], capture_output=True)
        return done.returncode == 0
