"""Peak RSS of ``muniops serve`` and the size of its /metrics while it polls one hostile
device answering an endless table (``muniops/lab/hostile_snmp.py``).

    .venv/bin/python -m bench.hostile_snmp [--muniops PATH] [--seconds 75] [--budget 30]

``--muniops`` runs another checkout's ``muniops`` (to compare before and after a change);
the agent always runs from this one. Everything listens on 127.0.0.1."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

from muniops.lab.hostile_snmp import running_hostile_agent
from muniops.lab.net import free_port, stop, wait_until


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def run(muniops: str, seconds: float, budget: float) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="muniops-hostile-"))
    creds = work / "credentials.yaml"
    creds.write_text("h: {type: snmp_v2c, community: public}\n")
    creds.chmod(0o600)
    config = work / "muniops.yaml"
    config.write_text(f"data_dir: {work / 'data'}\ncredentials_file: {creds}\n"
                      f"snmp: {{interval_seconds: 10, timeout_seconds: 2, retries: 0, "
                      f"device_budget_seconds: {budget}}}\n")
    base = [muniops, "--config", str(config)]
    subprocess.run([*base, "init"], check=True, capture_output=True)
    with running_hostile_agent("endless") as port:
        subprocess.run([*base, "devices", "add", "hostile", "--address", "127.0.0.1",
                        "--snmp-port", str(port), "--snmp-credential", "h"], check=True,
                       capture_output=True)
        listen = f"127.0.0.1:{free_port()}"
        log = (work / "serve.log").open("wb")
        proc = subprocess.Popen([*base, "serve", "--listen", listen], stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: _ready(f"http://{listen}/healthz"), timeout=60, what="serve")
            me = psutil.Process(proc.pid)
            peak = 0
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                peak = max(peak, me.memory_info().rss)
                time.sleep(0.2)
            with urllib.request.urlopen(f"http://{listen}/metrics", timeout=60) as r:
                text = r.read().decode()
        finally:
            stop(proc, 30)
    samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    store = sum(p.stat().st_size for p in (work / "data").rglob("*") if p.is_file())
    return {"peak_rss_mb": peak / 2**20, "metrics_mb": len(text) / 2**20,
            "metrics_samples": samples, "store_mb": store / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--muniops", default=str(Path(sys.executable).with_name("muniops")))
    parser.add_argument("--seconds", type=float, default=75)
    parser.add_argument("--budget", type=float, default=30)
    args = parser.parse_args()
    got = run(args.muniops, args.seconds, args.budget)
    print(f"{args.muniops}: " + ", ".join(f"{k} {v:.1f}" for k, v in got.items()))


if __name__ == "__main__":
    main()
