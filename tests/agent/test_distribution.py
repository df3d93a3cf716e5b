"""The agent installs light: ``pip install ./agent`` into a fresh venv brings psutil and
nothing else, and what it installs runs there; the agent's code imports only the standard
library, psutil and itself; read-only commands write nothing."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AGENT = ROOT / "agent"


def _imports(path: Path) -> set[str]:
    """The absolute modules a file imports (relative imports stay inside the agent)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_agent_code_imports_only_stdlib_psutil_and_itself() -> None:
    sources = [p for p in AGENT.rglob("*.py") if "build" not in p.relative_to(AGENT).parts]
    assert len(sources) > 10
    allowed = set(sys.stdlib_module_names) | {"psutil", "__future__"}
    wrong = {f"{p.relative_to(ROOT)}: {m}" for p in sources for m in _imports(p)
             if m.split(".")[0] not in allowed
             and not (m == "muniops.agent" or m.startswith("muniops.agent."))}
    assert not wrong, sorted(wrong)


def test_versioned_with_the_collector() -> None:
    main = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    agent = tomllib.loads((AGENT / "pyproject.toml").read_text())["project"]
    assert agent["name"] == "muniops-agent"
    assert agent["version"] == main["version"]
    assert agent["dependencies"] == ["psutil>=5.9,<8"]
    assert agent["scripts"] == {"muniops-agent": "muniops.agent.cli:main"}


def _pip_list(venv: Path) -> dict[str, str]:
    out = subprocess.run([venv / "bin" / "python", "-m", "pip", "list", "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return {p["name"].lower(): p["version"] for p in json.loads(out)}


def test_pip_install_of_agent_folder_brings_psutil_only(tmp_path: Path) -> None:
    """Built from a copy of the tree (tests may run side by side); the build writes
    nothing inside agent/, whose every file is the agent's code."""
    src = tmp_path / "repo" / "agent"
    shutil.copytree(AGENT, src, ignore=shutil.ignore_patterns(
        "__pycache__", "build", "*.egg-info"))
    files_before = sorted(p.relative_to(src) for p in src.rglob("*"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    before = _pip_list(venv)
    install = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", src],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    after = _pip_list(venv)
    assert sorted(p.relative_to(src) for p in src.rglob("*")
                  if "__pycache__" not in p.parts) == files_before
    added = set(after) - set(before)
    assert added == {"muniops-agent", "psutil"}, added
    assert {k: v for k, v in after.items() if k in before} == before  # nothing upgraded

    env = {**os.environ, "MUNIOPS_AGENT_STATE": str(tmp_path / "state")}
    agent = venv / "bin" / "muniops-agent"
    version = subprocess.run([agent, "--version"], capture_output=True, text=True, env=env)
    assert version.stdout.strip() == f"muniops-agent {after['muniops-agent']}"
    inventory = subprocess.run([agent, "inventory", "--print"], capture_output=True,
                               text=True, env=env, timeout=120)
    assert inventory.returncode == 0, inventory.stderr
    report = json.loads(inventory.stdout)
    assert report["agent_version"] == after["muniops-agent"]
    assert report["identity"]["hostname"]
    status = subprocess.run([agent, "status"], capture_output=True, text=True, env=env)
    assert status.returncode == 0 and json.loads(status.stdout)["enrolled"] is False
    assert not (tmp_path / "state").exists()  # read-only commands wrote nothing
    collector = subprocess.run([venv / "bin" / "python", "-c", "import muniops.collector"],
                               capture_output=True, text=True)
    assert collector.returncode != 0  # the collector's code did not come along


@pytest.mark.parametrize("command", [["status"], ["inventory", "--print"], ["--version"]])
def test_read_only_commands_write_nothing(tmp_path: Path, command: list[str]) -> None:
    state = tmp_path / "state"
    env = {**os.environ, "MUNIOPS_AGENT_STATE": str(state), "HOME": str(tmp_path / "home")}
    run = subprocess.run([sys.executable, "-m", "muniops.agent.cli", *command],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert not state.exists()
    assert not (tmp_path / "home").exists()


def test_status_reads_an_existing_spool_without_changing_it(tmp_path: Path) -> None:
    from muniops.agent.spool import Spool

    state = tmp_path / "state"
    spool = Spool(state / "spool")
    item = spool.put({"kind": "full", "report_id": "r-1"})
    (spool.root / "left-over.tmp").write_bytes(b"x")  # status must not tidy up either
    before = sorted((p.name, p.stat().st_mtime_ns) for p in state.rglob("*"))
    env = {**os.environ, "MUNIOPS_AGENT_STATE": str(state)}
    run = subprocess.run([sys.executable, "-m", "muniops.agent.cli", "status"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["pending"] == [item.report_id]
    assert sorted((p.name, p.stat().st_mtime_ns) for p in state.rglob("*")) == before
