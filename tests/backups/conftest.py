"""Real backup repositories made by the tests: restic and borg (Debian's ``restic`` and
``borgbackup``, see scripts/debian-packages.txt) and folders of files with chosen ages."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

PASSWORD = "correct horse battery staple"


@dataclass
class Repos:
    root: Path
    data: Path
    password_file: Path
    restic: Path
    borg: Path
    times: list[datetime]  # when each snapshot/archive was made, oldest first
    sizes: list[int]  # bytes of data in each, oldest first
    files: list[int]


def _tool_env(root: Path) -> dict[str, str]:
    return dict(os.environ, XDG_CACHE_HOME=str(root / "cache"),
                BORG_BASE_DIR=str(root / "borg-base"), RESTIC_PASSWORD=PASSWORD,
                BORG_PASSPHRASE=PASSWORD)


def _run(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run(argv, check=True, env=env, capture_output=True, stdin=subprocess.DEVNULL)


def make_repos(root: Path) -> Repos:
    """Two snapshots in a restic and a borg repository: the second made 2 days after the
    first, of a data folder that lost a large file in between (it shrank)."""
    if not (shutil.which("restic") and shutil.which("borg")):
        pytest.skip("restic and borgbackup are not installed (scripts/debian-packages.txt)")
    root.mkdir(parents=True, exist_ok=True)
    env = _tool_env(root)
    data = root / "data"
    data.mkdir()
    (data / "small.txt").write_bytes(b"x" * 1000)
    (data / "big.bin").write_bytes(os.urandom(50_000))
    password_file = root / "password"
    password_file.write_text(PASSWORD + "\n")
    password_file.chmod(0o600)
    restic, borg = root / "restic", root / "borg"
    _run(["restic", "init", "--repo", str(restic)], env)
    _run(["borg", "init", "--encryption", "repokey", str(borg)], env)
    first = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    second = first + timedelta(days=2)
    sizes, counts = [], []
    for n, when in enumerate((first, second)):
        if n == 1:
            (data / "big.bin").unlink()
        sizes.append(sum(p.stat().st_size for p in data.iterdir()))
        counts.append(len(list(data.iterdir())))
        local = when.astimezone().replace(tzinfo=None)  # restic's --time is local time
        _run(["restic", "--repo", str(restic), "backup", "--time",
              local.strftime("%Y-%m-%d %H:%M:%S"), str(data)], env)
        _run(["borg", "create", "--timestamp", when.strftime("%Y-%m-%dT%H:%M:%S"),  # UTC
              f"{borg}::n{n}", str(data)], env)
    return Repos(root, data, password_file, restic, borg, [first, second], sizes, counts)


@pytest.fixture(scope="session")
def repos(tmp_path_factory: pytest.TempPathFactory) -> Repos:
    """Repositories the probe tests only read."""
    return make_repos(tmp_path_factory.mktemp("repos"))


@pytest.fixture()
def own_repos(tmp_path: Path) -> Repos:
    """Repositories a test may add backups to."""
    return make_repos(tmp_path / "repos")


@pytest.fixture()
def tool_env(repos: Repos, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tools' caches in the test's folder, and no passphrase but the policy's file."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(repos.root / "cache"))
    monkeypatch.setenv("BORG_BASE_DIR", str(repos.root / "borg-base"))
    monkeypatch.delenv("RESTIC_PASSWORD", raising=False)
    monkeypatch.delenv("BORG_PASSPHRASE", raising=False)
