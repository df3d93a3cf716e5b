"""`muniops serve` as a real process: health, metrics, graceful stop, and many writers
(two CLI processes and the API) on one SQLite store without lost updates or lock errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from muniops.inventory import sites, tokens
from muniops.inventory.db import Database
from muniops.inventory.migrate import upgrade
from muniops.inventory.models import Asset, AuditEntry, Role
from muniops.inventory.schemas import SiteCreate
from muniops.lab.net import free_port, tcp_open, wait_until

BIN = Path(sys.executable).parent


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, Path, subprocess.Popen[bytes]]]:
    """A migrated SQLite store with a site and an admin token, and a collector serving it."""
    port = free_port()
    config = tmp_path / "muniops.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\napi:\n  listen: 127.0.0.1:{port}\n")
    db = Database(f"sqlite:///{tmp_path / 'data' / 'muniops.db'}")
    upgrade(db.engine)
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall"), actor="t")
        _, token = tokens.create_token(s, "admin", Role.ADMIN, actor="t")
    db.dispose()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([str(BIN / "muniops"), "--config", str(config), "serve"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: tcp_open(port), timeout=30, what="muniops serve")
        yield f"http://127.0.0.1:{port}", token, config, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_serves_health_and_metrics_and_stops_on_sigterm(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, token, _, proc = served
    assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
    metrics = httpx.get(f"{url}/metrics").text
    assert "muniops_store_up 1.0" in metrics and "# HELP muniops_assets" in metrics
    assert token not in metrics
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    log = (tmp_path / "serve.log").read_text()
    assert "collector stopped" in log or "Shutting down" in log
    assert token not in log


WRITER = """
import sys
from muniops.collector.cli.main import invoke
config, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    for args in (["assets", "add", "pc", "--tag", f"{name}-{i}", "--site", "City Hall"],
                 ["assets", "update", "SHARED", "--notes", f"{name} {i}"]):
        code = invoke(["--config", config, "--actor", name, *args])
        if code:
            sys.exit(f"{name}: {args} -> exit {code}")
"""


def test_concurrent_writers_lose_nothing(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, token, config, _ = served
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{url}/api/v1/assets", json={"kind": "pc", "asset_tag": "SHARED"},
                      headers=auth).status_code == 201
    n = 40
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writers = [subprocess.Popen([sys.executable, str(script), str(config), name, str(n)],
                                stderr=subprocess.PIPE, env=os.environ | {"COLUMNS": "200"})
               for name in ("cli-a", "cli-b")]
    api_errors: list[str] = []

    def api_writer() -> None:
        with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
            for i in range(n):
                for method, path, body in (
                    ("POST", "/api/v1/assets", {"kind": "pc", "asset_tag": f"api-{i}"}),
                    ("PATCH", "/api/v1/assets/SHARED", {"notes": f"api {i}"}),
                ):
                    r = client.request(method, path, json=body)
                    if r.status_code >= 300:
                        api_errors.append(f"{method} {path}: {r.status_code} {r.text}")

    thread = threading.Thread(target=api_writer)
    started = time.monotonic()
    thread.start()
    outputs = [w.communicate(timeout=300)[1].decode() for w in writers]
    thread.join(timeout=300)
    assert [w.returncode for w in writers] == [0, 0], outputs
    assert not any("locked" in o for o in outputs)
    assert api_errors == []
    db = Database(f"sqlite:///{tmp_path / 'data' / 'muniops.db'}")
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Asset)).one() == 1 + 3 * n
        updates = s.exec(select(func.count()).select_from(AuditEntry)
                         .where(AuditEntry.action == "asset.update")).one()
        shared = s.exec(select(Asset).where(Asset.asset_tag == "SHARED")).one()
    db.dispose()
    # every update of the shared asset changed it (each writer's note differs from the
    # previous one, whoever wrote it), so each left exactly one audit entry
    assert updates == 3 * n
    assert shared.notes in {f"cli-a {n - 1}", f"cli-b {n - 1}", f"api {n - 1}"}
    print(f"{3 * n * 2} writes from 3 writers in {time.monotonic() - started:.1f}s")
