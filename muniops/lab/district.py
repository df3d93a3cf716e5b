"""A central collector serving HTTPS with its own private CA, and district collectors that
forward to it, as real ``muniops serve`` processes on 127.0.0.1 — for the district tests
and ``bench/scale.py``."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session

from muniops.inventory import agents, migrate, sites
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.schemas import SiteCreate
from muniops.lab.agents import BIN, CollectorProcess, write_config
from muniops.lab.net import free_port, stop, wait_until
from muniops.lab.netns import exec_argv, run_in
from muniops.lab.prometheus import PROMETHEUS

LAB = "lab"  # the actor of the lab's set-up in the audit log
_MIGRATING = threading.Lock()


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
    local_url: str = ""  # the store as this process reaches it (default: database_url)

    def secret_for(self, site: str, district: str) -> str:
        with register(self.local_url or self.database_url) as s:
            return site_secret(s, site, district)


@contextmanager
def register(url: str) -> Iterator[Session]:
    """A write session on a store, in this process: the lab's set-up does what ``muniops
    sites add`` and the like do, through the same ``inventory`` operations, without a
    process (an interpreter start and every import) for each."""
    db = Database(url)
    try:
        with db.write() as s:
            yield s
    finally:
        db.dispose()


def migrate_store(url: str) -> None:
    """What ``muniops init`` does to the store, in this process (one at a time: alembic's
    context is global)."""
    db = Database(url)
    try:
        with _MIGRATING:
            migrate.upgrade(db.engine)
    finally:
        db.dispose()


def site_secret(session: Session, site: str, district: str) -> str:
    """Add ``site`` (in ``district``) and return a new agent enrolment secret for it."""
    sites.add_site(session, SiteCreate(name=site, district=district), actor=LAB)
    _row, plain = agents.create_enrollment_secret(session, site, actor=LAB)
    return plain


def make_central(folder: Path, database_url: str | None = None,
                 hosts: tuple[str, ...] = ("127.0.0.1",), local_url: str | None = None
                 ) -> Central:
    """A migrated central store with a private CA and the collector's certificate for
    ``hosts`` (the addresses districts reach it at). ``local_url``: how this process
    reaches ``database_url`` if it cannot (a PostgreSQL inside a network namespace, by
    its socket)."""
    config = write_config(folder, database_url)
    url = database_url or sqlite_url(folder / "data")
    migrate_store(local_url or url)
    names = [arg for host in hosts for arg in ("--host", host)]
    made = json.loads(muniops(config, "tls", "init", *names, "--json"))
    data = yaml.safe_load(config.read_text())
    data["api"] = made["api"]
    config.write_text(yaml.safe_dump(data))
    return Central(HttpsCollector(config, Path(made["ca_file"])), config,
                   Path(made["ca_file"]), url, local_url or "")


@dataclass
class District:
    process: CollectorProcess
    config: Path
    agent_secret: str  # the local secret this district's agents enrol with

    @property
    def data_dir(self) -> Path:
        return self.config.parent / "data"


def make_district(folder: Path, central: Central | None, name: str, secret: str, *,
                  site: str, district: str, batch_size: int = 200,
                  forward_every: int = 1, central_url: str | None = None,
                  ca_file: Path | None = None,
                  extra: dict[str, Any] | None = None) -> District:
    """A district collector (SQLite of its own) enrolling at ``central`` with ``secret``,
    with a local site of the same name its agents enrol at. Without ``central`` (made at
    the same time), ``central_url`` and ``ca_file`` say how it will reach it. ``extra``:
    more of its config (``credentials_file``, ``snmp``; a ``district`` key adds to that
    section)."""
    url = central_url or (central.process.url if central else None)
    ca = ca_file or (central.ca if central else None)
    if url is None or ca is None:
        raise ValueError("a district needs the central, or its URL and CA file")
    more = dict(extra or {})
    section: dict[str, Any] = {"district": {
        "role": "district", "name": name, "central_url": url,
        "enrolment_secret": secret, "ca_file": str(ca), "batch_size": batch_size,
        "forward_every_seconds": forward_every, **more.pop("district", {})}, **more}
    config = write_config(folder, extra=yaml.safe_dump(section))
    url = sqlite_url(folder / "data")
    migrate_store(url)
    with register(url) as s:
        local = site_secret(s, site, district)
    return District(CollectorProcess(config, free_port()), config, local)


def set_enrolment_secret(district: District, secret: str) -> None:
    """Give a district made before its central the central's enrolment secret."""
    doc = yaml.safe_load(district.config.read_text())
    doc["district"]["enrolment_secret"] = secret
    district.config.write_text(yaml.safe_dump(doc))


@dataclass(frozen=True)
class ServerTls:
    """A server's certificate and key (``muniops tls init`` makes them) and the CA that
    checks it."""

    cert: Path
    key: Path
    ca: Path

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))


class PrometheusProcess:
    """Debian's Prometheus with a config and data folder of its own, on a port that stays
    the same across restarts (a receiver that goes away and comes back), with extra flags
    (``--enable-feature=agent``, ``--web.enable-remote-write-receiver``). In network
    namespace ``netns`` it listens on every address there and is asked from inside it;
    with ``tls`` it serves HTTPS (``--web.config.file``), asked at ``host``."""

    def __init__(self, root: Path, config_text: str, *flags: str, agent: bool = False,
                 port: int | None = None, netns: str | None = None,
                 tls: ServerTls | None = None, host: str = "127.0.0.1") -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.flags, self.agent, self.netns, self.tls = root, flags, agent, netns, tls
        self.port = port or free_port()
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}"
        self.config = root / "prometheus.yml"
        self.config.write_text(config_text, encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> PrometheusProcess:
        storage = "--storage.agent.path" if self.agent else "--storage.tsdb.path"
        log = self.root / "prometheus.log"
        # in a namespace: on every address of it (its lo and its links), so districts
        # reach a central Prometheus at its link address
        listen = f"0.0.0.0:{self.port}" if self.netns else f"127.0.0.1:{self.port}"
        argv = [PROMETHEUS, f"--config.file={self.config}", f"{storage}={self.root / 'data'}",
                f"--web.listen-address={listen}", "--log.level=warn", *self.flags]
        if self.tls is not None:
            web = self.root / "web.yml"
            web.write_text(yaml.safe_dump({"tls_server_config": {
                "cert_file": str(self.tls.cert), "key_file": str(self.tls.key)}}))
            argv.append(f"--web.config.file={web}")
        with log.open("ab") as out:
            self.proc = subprocess.Popen(exec_argv(self.netns, argv) if self.netns else argv,
                                         stdout=out, stderr=subprocess.STDOUT)
        proc = self.proc

        def ready() -> bool:
            if proc.poll() is not None:
                said = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"prometheus exited with {proc.returncode}:\n{said}")
            try:
                return bool(self._get("/-/ready", json_body=False))
            except (urllib.error.URLError, OSError):
                return False

        wait_until(ready, timeout=timeout, what="prometheus")
        return self

    def _get(self, path: str, json_body: bool = True) -> Any:
        """GET ``path`` where this Prometheus listens (inside its namespace, if it has
        one): the JSON answer, or whether it said 200."""
        context = self.tls.context() if self.tls else None

        def get() -> Any:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=30, context=context) as r:
                return json.load(r) if json_body else r.status == 200

        return run_in(self.netns, get) if self.netns else get()

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, 10)
            self.proc = None

    def api(self, path: str, **params: str) -> Any:
        return self._get(f"/api/v1/{path}?{urllib.parse.urlencode(params)}")["data"]


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
        return run_in(self.ns, self._answers)

    def _answers(self) -> bool:
        context = ssl.create_default_context(cafile=str(self.ca)) if self.ca else None
        try:
            with urllib.request.urlopen(self.health_url, timeout=1, context=context) as r:
                return bool(r.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def request(self, method: str, path: str, token: str, body: Any = None) -> Any:
        """One API call from inside the namespace, as ``Bearer token``; the JSON answer."""
        context = ssl.create_default_context(cafile=str(self.ca)) if self.ca else None
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})

        def call() -> Any:
            with urllib.request.urlopen(req, timeout=30, context=context) as r:
                return json.load(r)

        return run_in(self.ns, call)
