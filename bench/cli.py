"""How fast the CLI starts: ``muniops --version``, ``--help``, each feature's command
``--help`` (it imports only its own feature) and a listing of 100 assets from a SQLite
store, side by side with ``python -c pass`` and ``muniops-agent --help`` in the same run.

``python -m bench.cli [--runs N]``: medians of N whole-process runs each, with the
package's bytecode compiled first, as ``make`` (and pip, for a wheel) leaves it."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from muniops.collector.features import FEATURES

BIN = Path(sys.executable).parent


def wall(argv: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall seconds of ``runs`` runs after one warm-up."""
    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
        if i:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def store_with_assets(tmp: Path, n: int) -> Path:
    config = tmp / "muniops.yaml"
    config.write_text(yaml.safe_dump({"data_dir": str(tmp / "data")}))
    env = {**os.environ, "MUNIOPS_CONFIG": str(config)}
    subprocess.run([str(BIN / "muniops"), "init"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    csv = tmp / "assets.csv"
    csv.write_text("asset_tag,serial,kind,vendor,model\n" + "".join(
        f"MUN-{i:04d},SN{i:06d},pc,Dell,OptiPlex 7090\n" for i in range(n)))
    subprocess.run([str(BIN / "muniops"), "assets", "import", str(csv)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q",
                    *(str(root / d) for d in ("agent", "collector", "inventory", "playbooks",
                                              "muniops"))],
                   check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="muniops-bench-cli-") as tmp:
        config = store_with_assets(Path(tmp), 100)
        env = {**os.environ, "MUNIOPS_CONFIG": str(config)}
        muniops = str(BIN / "muniops")
        cases: list[tuple[str, list[str]]] = [
            ("python -c pass (reference)", [sys.executable, "-c", "pass"]),
            ("muniops-agent --help (reference)", [str(BIN / "muniops-agent"), "--help"]),
            ("muniops --version", [muniops, "--version"]),
            ("muniops --help", [muniops, "--help"]),
            ("muniops assets list --json (100 assets)", [muniops, "assets", "list", "--json"]),
        ]
        cases += [(f"muniops {c.name} --help", [muniops, c.name, "--help"])
                  for f in FEATURES for c in f.commands]
        base = None
        print(f"{'command':45} {'median s':>9} {'× python':>9}")
        for name, cmd in cases:
            took = wall(cmd, env, args.runs)
            base = base or took
            print(f"{name:45} {took:9.3f} {took / base:9.1f}", flush=True)


if __name__ == "__main__":
    main()
