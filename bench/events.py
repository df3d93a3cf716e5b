"""How fast ``muniops serve`` takes in SNMP traps and syslog: a burst of N v2c linkDown
traps (Net-SNMP's own bytes, captured from ``snmptrap`` and replayed from one socket) and
N syslog lines over UDP, from the first sent to the last counted in /metrics, with what
was dropped. Each trap is named, stored as an event and (debounced) polls its device.

``python -m bench.events [--traps N] [--lines N]``"""

from __future__ import annotations

import argparse
import re
import socket
import tempfile
import time
from pathlib import Path

import yaml

from muniops.inventory import devices
from muniops.inventory.db import Database
from muniops.inventory.migrate import upgrade
from muniops.lab import events as send
from muniops.lab.collector import RunningCollector, running_collector
from muniops.lab.net import free_port

CONFIG_I = b"<189>12: *Mar  1 00:00:01: %SYS-5-CONFIG_I: Configured from console by admin"
PLAIN = b"<190>13: *Mar  1 00:00:02: %SEC-6-IPACCESSLOGP: list 101 denied tcp 10.0.0.9"


def total(collector: RunningCollector, family: str) -> float:
    text = collector.metrics()
    return sum(float(v) for v in re.findall(rf"^{family}(?:{{[^}}]*}})? (\S+)$", text, re.M))


def timed(collector: RunningCollector, family: str, target: float, sent_at: float) -> float:
    while total(collector, family) + total(collector, "muniops_events_dropped_total") < target:
        if time.perf_counter() - sent_at > 600:
            raise TimeoutError(f"{family} did not reach {target}")
        time.sleep(0.2)
    return time.perf_counter() - sent_at


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--traps", type=int, default=20_000)
    parser.add_argument("--lines", type=int, default=20_000)
    args = parser.parse_args([])
    tmp = Path(tempfile.mkdtemp(prefix="muniops-bench-events-"))
    trap_port, syslog_port = free_port(), free_port()
    creds = tmp / "credentials.yaml"
    creds.write_text(yaml.safe_dump({"lab": {"type": "snmp_v2c", "community": "public"}}))
    creds.chmod(0o600)
    config = tmp / "muniops.yaml"
    config.write_text(yaml.safe_dump({
        "data_dir": str(tmp / "data"), "credentials_file": str(creds),
        "snmp": {"interval_seconds": 3600, "timeout_seconds": 0.5, "retries": 0},
        "events": {"enabled": True, "traps": {"listen": f"127.0.0.1:{trap_port}"},
                   "syslog": {"udp": f"127.0.0.1:{syslog_port}", "tcp": ""}}}))
    (tmp / "data").mkdir()
    db = Database(f"sqlite:///{tmp / 'data' / 'muniops.db'}")
    upgrade(db.engine)
    with db.write() as s:  # the sender; nothing answers its polls (they fail, counted)
        devices.add_device(s, devices.DeviceCreate(
            name="sw-bench", address="127.0.0.1", snmp_port=free_port(), snmp_credential="lab"),
            actor="bench")
    trap = send.captured_trap(send.LINK_DOWN, "1.3.6.1.2.1.2.2.1.1.3", "i", "3",
                              "1.3.6.1.2.1.2.2.1.2.3", "s", "GigabitEthernet0/3")
    with running_collector(config) as collector:
        time.sleep(2)
        t0 = time.perf_counter()
        send.burst(trap_port, trap, args.traps)
        sent = time.perf_counter() - t0
        took = timed(collector, "muniops_traps_received_total", args.traps, t0)
        dropped = total(collector, "muniops_events_dropped_total")
        print(f"traps:  {args.traps} sent in {sent:.2f}s, all counted in {took:.1f}s "
              f"({args.traps / took:,.0f}/s), dropped {dropped:.0f}")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            t0 = time.perf_counter()
            for i in range(args.lines):
                sock.sendto(CONFIG_I if i % 100 == 0 else PLAIN, ("127.0.0.1", syslog_port))
            sent = time.perf_counter() - t0
        took = timed(collector, "muniops_syslog_messages_total", args.lines, t0)
        lost = total(collector, "muniops_events_dropped_total") - dropped
        print(f"syslog: {args.lines} UDP lines sent in {sent:.2f}s, counted in {took:.1f}s "
              f"({args.lines / took:,.0f}/s), dropped {lost:.0f}")
    db.dispose()


if __name__ == "__main__":
    main()
