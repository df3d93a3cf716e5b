"""A central collector serving HTTPS with its own private CA, and district collectors that
forward to it, as real ``muniops serve`` processes on 127.0.0.1 — for the district tests
and ``bench/scale.py``."""

from __future__ import annotations

import json
import ssl
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from muniops.inventory.db import sqlite_url
from muniops.lab.agents import BIN, CollectorProcess, write_config
from muniops.lab.net import free_port


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


def make_central(folder: Path, database_url: str | None = None) -> Central:
    """A migrated central store with a private CA and the collector's certificate."""
    config = write_config(folder, database_url)
    muniops(config, "init")
    made = json.loads(muniops(config, "tls", "init", "--host", "127.0.0.1", "--json"))
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
                  forward_every: int = 1) -> District:
    """A district collector (SQLite of its own) enrolling at ``central`` with ``secret``,
    with a local site of the same name its agents enrol at."""
    section = {"district": {"role": "district", "name": name,
                            "central_url": central.process.url, "enrolment_secret": secret,
                            "ca_file": str(central.ca), "batch_size": batch_size,
                            "forward_every_seconds": forward_every}}
    config = write_config(folder, extra=yaml.safe_dump(section))
    muniops(config, "init")
    muniops(config, "sites", "add", site, "--district", district)
    local = json.loads(muniops(config, "agents", "enroll-secret", site, "--json"))["secret"]
    return District(CollectorProcess(config, free_port()), config, str(local))
