"""The Windows agent folder (agent/packaging/windows/build.py) and its installer's dry run.

The three Windows-only inputs (embeddable CPython, psutil's Windows wheel, WinSW) cannot
run here, so they are stand-ins with the same shape; what is real is checked for real:
the folder's layout, the embeddable Python's path file, the service definition, the agent
zipapp (run here on a Python that sees only the zipapp and psutil, as the embeddable one
does), and every step the installer would take."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "agent" / "packaging" / "windows" / "build.py"


def _inputs(tmp: Path) -> list[str]:
    embed = tmp / "python-3.12.8-embed-amd64.zip"
    with zipfile.ZipFile(embed, "w") as z:
        z.writestr("python.exe", b"MZ stand-in")
        z.writestr("python312.zip", b"")
        z.writestr("python312._pth", "python312.zip\r\n.\r\n\r\n#import site\r\n")
    wheel = tmp / "psutil-7.2.2-cp37-abi3-win_amd64.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("psutil/__init__.py", "")
        z.writestr("psutil/_psutil_windows.pyd", b"MZ")
        z.writestr("psutil-7.2.2.dist-info/METADATA", "Name: psutil\n")
    winsw = tmp / "WinSW-x64.exe"
    winsw.write_bytes(b"MZ winsw stand-in")
    return ["--python-embed", str(embed), "--psutil-wheel", str(wheel), "--winsw", str(winsw)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("win")
    out = tmp / "muniops-agent-windows"
    run = subprocess.run([sys.executable, BUILD, *_inputs(tmp), "--output", out],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return out


def test_the_folder_holds_python_psutil_the_agent_and_the_service(folder: Path) -> None:
    import tomllib

    version = tomllib.loads((ROOT / "agent" / "pyproject.toml").read_text())["project"]
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"python/python.exe", "python/python312._pth", "lib/psutil/__init__.py",
            "lib/psutil/_psutil_windows.pyd", "muniops-agent.pyz", "muniops-agent-service.exe",
            "muniops-agent-service.xml", "install.py", "VERSION"} <= names
    assert not any("dist-info" in n for n in names)
    assert (folder / "VERSION").read_text().strip() == version["version"]
    pth = (folder / "python" / "python312._pth").read_text().splitlines()
    assert pth[:2] == ["python312.zip", "."] and r"..\lib" in pth

    service = ET.fromstring((folder / "muniops-agent-service.xml").read_text())
    assert service.findtext("id") == "muniops-agent"
    assert service.findtext("executable") == r"%BASE%\python\python.exe"
    args = service.findtext("arguments") or ""
    assert r'"%BASE%\muniops-agent.pyz"' in args and args.endswith(" run")
    assert service.findtext("startmode") == "Automatic"


def test_the_zipapp_runs_with_nothing_but_psutil(folder: Path, tmp_path: Path) -> None:
    """As on Windows: no site-packages, only the zipapp and a folder holding psutil."""
    with zipfile.ZipFile(folder / "muniops-agent.pyz") as z:
        names = z.namelist()
    assert "__main__.py" in names and "muniops/agent/cli.py" in names
    assert "muniops/__init__.py" not in names and not any("packaging" in n for n in names)
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "psutil").symlink_to(Path(psutil.__file__).parent)
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(lib),
           "MUNIOPS_AGENT_STATE": str(tmp_path / "state")}
    pyz = str(folder / "muniops-agent.pyz")
    shown = subprocess.run([sys.executable, "-S", pyz, "--version"], capture_output=True,
                           text=True, env=env, timeout=60)
    assert shown.returncode == 0 and shown.stdout.startswith("muniops-agent "), shown.stderr
    report = subprocess.run([sys.executable, "-S", pyz, "inventory", "--print"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert report.returncode == 0, report.stderr
    assert '"identity"' in report.stdout
    assert not (tmp_path / "state").exists()


def _install(folder: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROGRAMFILES": str(tmp / "Program Files"),
           "PROGRAMDATA": str(tmp / "ProgramData")}
    env.pop("MUNIOPS_AGENT_SECRET", None)
    return subprocess.run([sys.executable, folder / "install.py", *args], capture_output=True,
                          text=True, env=env, timeout=60)


def test_install_dry_run_says_every_step_and_does_nothing(folder: Path, tmp_path: Path) -> None:
    run = _install(folder, tmp_path, "--dry-run", "--server", "https://collector:8470",
                   "--secret", "me_s3cret")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    target = tmp_path / "Program Files" / "muniops-agent"
    assert lines[0] == f"would: copy {folder} -> {target}"
    assert "enroll --server https://collector:8470" in lines[1]
    assert str(tmp_path / "ProgramData" / "muniops-agent") in lines[1]
    assert lines[2].endswith("muniops-agent-service.exe\" install")
    assert lines[3].endswith("muniops-agent-service.exe\" start")
    assert "me_s3cret" not in run.stdout + run.stderr  # the secret is never shown
    assert not (tmp_path / "Program Files").exists() and not (tmp_path / "ProgramData").exists()

    removal = _install(folder, tmp_path, "--dry-run", "--uninstall")
    assert removal.returncode == 0
    assert [line.rsplit(" ", 1)[1] for line in removal.stdout.splitlines()] == [
        "stop", "uninstall"]


def test_install_needs_a_server_and_a_secret(folder: Path, tmp_path: Path) -> None:
    run = _install(folder, tmp_path, "--dry-run", "--server", "https://collector:8470")
    assert run.returncode == 2 and "secret" in run.stderr
