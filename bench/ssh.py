"""Configuration backups per minute for 50 fake Cisco IOS devices (fakenos), with 1, 4 and
16 workers: muniops' backup-config playbook (connect, enable, show running-config,
normalise, hash, store in SQLite) side by side with the reference, a bare netmiko script
(ConnectHandler + enable + send_command on the same thread pool, nothing stored).

    .venv/bin/python -m bench.ssh [DEVICES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from netmiko import ConnectHandler
from pydantic import SecretStr

from muniops.collector.core.credentials import SshLogin
from muniops.collector.core.settings import Settings
from muniops.collector.ssh.runs import run_and_record
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.migrate import upgrade
from muniops.lab.fakenos import FakeDevice, running_fakenos
from muniops.playbooks.runner import Device

PASSWORD = "bench-only-password"
WORKERS = (1, 4, 16)


def reference(ports: list[int], workers: int) -> float:
    """A network admin's netmiko script: seconds to fetch every running configuration."""
    def fetch(port: int) -> int:
        conn = ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=port,
                              username="netadmin", password=PASSWORD, secret=PASSWORD,
                              allow_agent=False, fast_cli=True)
        conn.enable()
        text = conn.send_command("show running-config")
        conn.disconnect()
        return len(str(text))

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        sizes = list(pool.map(fetch, ports))
    assert all(sizes), "the reference got an empty configuration"
    return time.monotonic() - started


def ours(devices: list[Device], workers: int, db: Database) -> float:
    login = SshLogin(type="ssh", username="netadmin", password=SecretStr(PASSWORD),
                     enable_secret=SecretStr(PASSWORD))
    started = time.monotonic()
    _, results = run_and_record(Settings(), db, "backup-config", devices=devices,
                                actor="bench", workers=workers, login_for=lambda _d: login)
    failed = [r for r in results if not r.ok]
    assert not failed, f"{len(failed)} backups failed: {failed[0].cause} {failed[0].error}"
    return time.monotonic() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 50
    fakes = [FakeDevice(f"sw-{i:03d}", password=PASSWORD, serial=f"FOC{i:08d}")
             for i in range(count)]
    with running_fakenos(fakes) as lab, tempfile.TemporaryDirectory() as tmp:
        db = Database(sqlite_url(Path(tmp)))
        upgrade(db.engine)
        devices = [Device(f.name, "127.0.0.1", "cisco_ios", port=lab.port(f.name))
                   for f in fakes]
        print(f"{count} fake Cisco IOS devices (fakenos), backup of the running configuration")
        print(f"{'workers':>7}  {'muniops /min':>12}  {'netmiko script /min':>19}  {'ratio':>5}")
        for workers in WORKERS:
            mine = ours(devices, workers, db)
            ref = reference([d.port for d in devices], workers)
            print(f"{workers:>7}  {count / mine * 60:>12.0f}  {count / ref * 60:>19.0f}  "
                  f"{ref / mine:>5.2f}", flush=True)
        db.dispose()


if __name__ == "__main__":
    main()
