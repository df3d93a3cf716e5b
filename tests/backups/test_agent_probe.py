"""The agent's backup probe against real restic and borg repositories, folders of files
with chosen ages, and Windows Server Backup's recorded summaries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from muniops.agent import report
from muniops.agent.probes import backups
from tests.backups.conftest import PASSWORD, Repos

pytestmark = pytest.mark.usefixtures("tool_env")


def _when(finding: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(finding["last_success"]))


@pytest.mark.parametrize("source", ["restic", "borg"])
def test_repository_newest_snapshot_time_size_files_and_count(repos: Repos, source: str
                                                              ) -> None:
    found = backups.check_one({"name": "db", "source": source,
                               "path": str(getattr(repos, source)),
                               "password_file": str(repos.password_file)})
    assert found["status"] == "found", found
    assert abs((_when(found) - repos.times[1]).total_seconds()) < 2
    assert found["size_bytes"] == repos.sizes[1]
    # restic counts the folders down to the data as entries too; borg only files
    folders = len(repos.data.parts) - 1 if source == "restic" else 0
    assert found["files"] == repos.files[1] + folders
    assert found["count"] == 2


@pytest.mark.parametrize("source", ["restic", "borg"])
def test_wrong_passphrase_is_an_error_that_never_shows_the_secret(repos: Repos, source: str,
                                                                  tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase")
    found = backups.check_one({"name": "db", "source": source,
                               "path": str(getattr(repos, source)), "password_file": str(wrong)})
    assert found["status"] == "error"
    assert found["detail"] and "not the passphrase" not in json.dumps(found)
    assert PASSWORD not in json.dumps(found)


@pytest.mark.parametrize("source", ["restic", "borg"])
def test_absent_repository_or_password_file(repos: Repos, source: str, tmp_path: Path) -> None:
    gone = backups.check_one({"name": "db", "source": source, "path": str(tmp_path / "nope")})
    assert gone["status"] == "none" and "no repository" in gone["detail"]
    nofile = backups.check_one({"name": "db", "source": source,
                                "path": str(getattr(repos, source)),
                                "password_file": str(tmp_path / "missing")})
    assert nofile["status"] == "error" and "password file" in nofile["detail"]


def test_empty_restic_repository_has_no_snapshot(repos: Repos, tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    subprocess.run(["restic", "init", "--repo", str(repo)], check=True, capture_output=True,
                   env=dict(os.environ, RESTIC_PASSWORD=PASSWORD))
    found = backups.check_one({"name": "x", "source": "restic", "path": str(repo),
                               "password_file": str(repos.password_file)})
    assert found["status"] == "none" and found["count"] == 0


def _file(path: Path, size: int, age: timedelta) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"d" * size)
    stamp = time.time() - age.total_seconds()
    os.utime(path, (stamp, stamp))


def test_files_newest_match_age_size_and_count(tmp_path: Path) -> None:
    _file(tmp_path / "oa" / "oa-1.sql.gz", 500, timedelta(days=2))
    _file(tmp_path / "oa" / "oa-2.sql.gz", 700, timedelta(hours=5))
    _file(tmp_path / "oa" / "notes.txt", 9, timedelta(minutes=1))  # newer, not a match
    found = backups.files({"path": str(tmp_path / "oa" / "*.sql.gz")})
    assert found["status"] == "found" and found["count"] == 2
    assert found["newest"] == "oa-2.sql.gz" and found["size_bytes"] == 700
    age = datetime.now(UTC) - _when(found)
    assert timedelta(hours=4, minutes=59) < age < timedelta(hours=5, minutes=1)


def test_folders_match_with_their_total_size(tmp_path: Path) -> None:
    _file(tmp_path / "dumps" / "2026-11-30" / "a", 100, timedelta(days=2))
    _file(tmp_path / "dumps" / "2026-12-01" / "a", 300, timedelta(days=1))
    _file(tmp_path / "dumps" / "2026-12-01" / "sub" / "b", 50, timedelta(days=1))
    os.utime(tmp_path / "dumps" / "2026-11-30", (time.time() - 2 * 86400,) * 2)
    os.utime(tmp_path / "dumps" / "2026-12-01", (time.time() - 86400,) * 2)
    found = backups.files({"path": str(tmp_path / "dumps" / "*")})
    assert found["newest"] == "2026-12-01"
    assert found["size_bytes"] == 350 and found["files"] == 2 and found["count"] == 2


def test_no_match_says_whether_the_folder_exists(tmp_path: Path) -> None:
    assert "no file matches" in backups.files({"path": str(tmp_path / "*.tar")})["detail"]
    assert "does not exist" in backups.files({"path": str(tmp_path / "x" / "*.tar")})["detail"]


def test_each_backup_fails_alone_and_unknown_sources_are_named(repos: Repos) -> None:
    policy = [{"name": "a", "source": "tape"},
              {"name": "b", "source": "restic", "path": str(repos.restic),
               "password_file": str(repos.password_file)}]
    first, second = backups.backups(policy)
    assert first["status"] == "error" and "known: borg, files, restic, wsb" in first["detail"]
    assert second["status"] == "found"


FIXTURES = Path(__file__).parent / "fixtures" / "wsb"


def test_recorded_windows_server_backup_summaries() -> None:
    cases = {p.stem: json.loads(p.read_text(encoding="utf-8-sig"))
             for p in FIXTURES.glob("*.json")}
    ok = backups.wsb_summary(cases["get-wbsummary-ok"])
    assert ok["status"] == "found" and ok["last_result"] == "success"
    assert ok["last_success"] == "2026-11-30T22:41:09+00:00" and ok["count"] == 14
    failed = backups.wsb_summary(cases["get-wbsummary-failed"])
    assert failed["last_result"] == "failed" and "0x80780119" in failed["detail"]
    assert failed["last_success"] < failed["last_attempt"]
    never = backups.wsb_summary(cases["get-wbsummary-never"])
    assert never["status"] == "none" and never["last_success"] is None


def test_full_report_carries_the_backups_section_and_the_cli_reads_a_policy(
        repos: Repos, tmp_path: Path) -> None:
    data = report.gather("full", only={}, backup_policy=[
        {"name": "oa", "source": "borg", "path": str(repos.borg),
         "password_file": str(repos.password_file)}])
    assert [b["status"] for b in data["backups"]] == ["found"]
    assert "backups" not in report.gather("heartbeat", only={}, backup_policy=[{"name": "x"}])
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"backups": [{"name": "dumps", "source": "files",
                                               "path": str(repos.data / "*")}]}))
    out = subprocess.run([sys.executable, "-m", "muniops.agent.cli", "--state-dir",
                          str(tmp_path / "state"), "inventory", "--print", "--policy",
                          str(policy)], capture_output=True, text=True, check=True, timeout=120)
    section = json.loads(out.stdout)["backups"]
    assert section[0]["name"] == "dumps" and section[0]["count"] == repos.files[1]
