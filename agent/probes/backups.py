"""Backup checks: for each backup the collector's policy names, what this host can see of
its newest copy — when it was made, how big it is, how many files, how many copies.

Sources: files or folders matching a pattern (``files``), restic and borg repositories
through their own ``--json`` listings (``restic``, ``borg``), and Windows Server Backup's
summary (``wsb``). Only metadata is read, never a backup's contents; a repository's
passphrase comes from the local file the policy names and reaches the tool through its
environment, never its command line. The collector judges freshness and shrinkage; the
agent only says what it found, each backup failing alone."""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from muniops.agent.probes.base import ProbeUnavailable, run

Finding = dict[str, Any]
Check = dict[str, Any]  # one backup of the policy: name, source, path, password_file...

FOUND, NONE, ERROR = "found", "none", "error"
TIMEOUT = 120.0


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _now() -> str:
    return _iso(datetime.now(UTC))


# ---- files and folders ----------------------------------------------------------------------

def _tree_size(path: str) -> tuple[int, int]:
    """Bytes and files under a folder (symbolic links not followed)."""
    size = files = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            size += st.st_size
            files += 1
    return size, files


def files(check: Check) -> Finding:
    """The newest file or folder matching ``path`` (a glob; ``**`` recurses): its time,
    size (a folder's is the sum of its files) and how many entries match."""
    pattern = str(check["path"])
    matches = []
    for path in glob.glob(pattern, recursive=True):
        try:
            matches.append((os.stat(path).st_mtime, path))
        except OSError:
            continue
    if not matches:
        parent = os.path.dirname(pattern.split("*")[0].split("?")[0]) or "."
        reason = (f"no file matches {pattern}" if os.path.isdir(parent)
                  else f"{parent} does not exist")
        return {"status": NONE, "count": 0, "detail": reason}
    mtime, newest = max(matches)
    if os.path.isdir(newest):
        size, count = _tree_size(newest)
    else:
        size, count = os.stat(newest).st_size, 1
    return {"status": FOUND, "last_success": _iso(datetime.fromtimestamp(mtime, UTC)),
            "size_bytes": size, "files": count, "count": len(matches),
            "newest": os.path.basename(newest.rstrip("/\\"))}


# ---- restic and borg ------------------------------------------------------------------------

def _secret_env(check: Check, variable: str) -> dict[str, str]:
    """The environment for a repository tool: ours, plus the passphrase read from the
    local file the policy names (never passed on a command line, never reported)."""
    env = dict(os.environ)
    secret_file = check.get("password_file")
    if secret_file:
        try:
            env[variable] = Path(secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ProbeUnavailable(f"cannot read password file {secret_file}: "
                                   f"{exc.strerror}") from None
    return env


def _absent(repo: str) -> bool:
    """A local repository path that does not exist (remote ones are for the tool to say)."""
    remote = "://" in repo or (":" in repo and not os.path.splitdrive(repo)[0]
                               and not repo.startswith("/"))
    return not remote and not os.path.isdir(repo)


def _parse_json(text: str, tool: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ProbeUnavailable(f"{tool} did not answer JSON") from None


def restic_snapshots(text: str) -> list[dict[str, Any]]:
    """``restic snapshots --json``: a list (``null`` when the repository is empty)."""
    data = _parse_json(text, "restic")
    return list(data or [])


def restic(check: Check) -> Finding:
    """The newest snapshot of the repository (of ``host`` when the policy names one), and
    its size and entry count from ``restic stats`` (restore size, from metadata only;
    restic counts folders among the entries)."""
    repo = str(check["path"])
    if _absent(repo):
        return {"status": NONE, "count": 0, "detail": f"no repository at {repo}"}
    env = _secret_env(check, "RESTIC_PASSWORD")
    base = ["restic", "--repo", repo, "--no-lock", "--json", "--quiet"]
    argv = [*base, "snapshots"] + (["--host", str(check["host"])] if check.get("host") else [])
    snaps = restic_snapshots(run(argv, timeout=TIMEOUT, env=env))
    if not snaps:
        return {"status": NONE, "count": 0, "detail": f"no snapshot in {repo}"}
    newest = max(snaps, key=lambda s: _parse_time(s["time"]))
    stats = _parse_json(run([*base, "stats", newest["id"]], timeout=TIMEOUT, env=env),
                        "restic")
    return {"status": FOUND, "last_success": _iso(_parse_time(newest["time"])),
            "size_bytes": int(stats.get("total_size") or 0),
            "files": int(stats.get("total_file_count") or 0), "count": len(snaps),
            "newest": newest.get("short_id") or newest["id"][:8]}


def _parse_time(text: str) -> datetime:
    """restic's RFC 3339 with nanoseconds, borg's local time without a zone."""
    head, dot, tail = text.partition(".")
    if dot:  # keep microseconds: Python reads at most six digits
        digits = "".join(c for c in tail if c.isdigit())
        zone = tail[len(digits):]
        text = f"{head}.{digits[:6]}{zone}"
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.astimezone()  # borg: this host's zone


BORG_ENV = {"BORG_RELOCATED_REPO_ACCESS_IS_OK": "no",
            "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK": "no",
            "BORG_EXIT_CODES": "legacy"}


def borg(check: Check) -> Finding:
    """The newest archive of the repository (``borg list`` counts them) and its original
    size and file count (``borg info --last 1``)."""
    repo = str(check["path"])
    if _absent(repo):
        return {"status": NONE, "count": 0, "detail": f"no repository at {repo}"}
    env = _secret_env(check, "BORG_PASSPHRASE") | BORG_ENV
    common = ["--json", "--bypass-lock"]
    listing = _parse_json(run(["borg", "list", *common, repo], timeout=TIMEOUT, env=env),
                          "borg")
    archives = listing.get("archives") or []
    if not archives:
        return {"status": NONE, "count": 0, "detail": f"no archive in {repo}"}
    info = _parse_json(run(["borg", "info", *common, "--last", "1", repo], timeout=TIMEOUT,
                           env=env), "borg")
    latest = (info.get("archives") or [{}])[0]
    stats = latest.get("stats") or {}
    made = latest.get("end") or latest.get("start") or archives[-1]["time"]
    return {"status": FOUND, "last_success": _iso(_parse_time(made)),
            "size_bytes": int(stats.get("original_size") or 0),
            "files": int(stats.get("nfiles") or 0), "count": len(archives),
            "newest": latest.get("name") or archives[-1].get("name")}


# ---- Windows Server Backup ----------------------------------------------------------------

WB_SCRIPT = ("Get-WBSummary -ErrorAction Stop | Select-Object LastSuccessfulBackupTime,"
             "LastBackupTime,LastBackupResultHR,LastBackupResultDetailedHR,NumberOfVersions,"
             "LastBackupTarget,NextBackupTime,DetailedMessage | ConvertTo-Json -Compress")


def wsb_summary(record: dict[str, Any]) -> Finding:
    """A ``Get-WBSummary`` record: the last successful version, and whether the last
    attempt (which may be later) failed. Windows Server Backup keeps no size here."""
    from muniops.agent.probes.windows import wmi_time

    last_ok = wmi_time(record.get("LastSuccessfulBackupTime"))
    last_try = wmi_time(record.get("LastBackupTime"))
    versions = int(record.get("NumberOfVersions") or 0)
    result = int(record.get("LastBackupResultHR") or 0)
    # a machine that never backed up reports year 1 (0001-01-01) as its last success
    if last_ok is not None and last_ok.startswith("0001-"):
        last_ok = None
    if last_try is not None and last_try.startswith("0001-"):
        last_try = None
    out: Finding = {"status": FOUND if last_ok else NONE, "last_success": last_ok,
                    "count": versions, "last_attempt": last_try,
                    "last_result": "success" if result == 0 else "failed"}
    if result != 0:
        message = str(record.get("DetailedMessage") or "").strip()
        out["detail"] = f"last backup failed (HRESULT 0x{result & 0xFFFFFFFF:08X})" + (
            f": {message[:300]}" if message else "")
    if record.get("LastBackupTarget"):
        out["target"] = str(record["LastBackupTarget"])[:200]
    if not last_ok:
        out["detail"] = out.get("detail") or "no successful backup version"
    return out


def wsb_live(_check: Check) -> Finding:
    from muniops.agent.probes.windows import _powershell, parse_cim_json

    records = parse_cim_json(_powershell(WB_SCRIPT))
    if not records:
        return {"status": NONE, "count": 0, "detail": "Windows Server Backup has no summary"}
    return wsb_summary(records[0])


# ---- the section ----------------------------------------------------------------------------

SOURCES: dict[str, Callable[[Check], Finding]] = {
    "files": files, "restic": restic, "borg": borg, "wsb": wsb_live,
}


def check_one(check: Check, sources: dict[str, Callable[[Check], Finding]] | None = None
              ) -> Finding:
    """One backup; a source that cannot answer is an ``error`` finding, not a lost report."""
    table = sources or SOURCES
    name, source = str(check.get("name", "")), str(check.get("source", ""))
    head: Finding = {"name": name, "source": source, "checked_at": _now()}
    reader = table.get(source)
    if reader is None:
        return head | {"status": ERROR, "detail": f"unknown source {source!r}; known: "
                                                  f"{', '.join(sorted(table))}"}
    try:
        return head | reader(check)
    except ProbeUnavailable as exc:
        return head | {"status": ERROR, "detail": str(exc)[:500]}
    except (OSError, KeyError, TypeError, ValueError) as exc:
        return head | {"status": ERROR, "detail": f"{type(exc).__name__}: {exc}"[:500]}


def backups(policy: list[Check],
            sources: dict[str, Callable[[Check], Finding]] | None = None) -> list[Finding]:
    """The report's ``backups`` section: one finding per backup the policy names."""
    return [check_one(check, sources) for check in policy]


# ---- the policy the collector hands over --------------------------------------------------

POLICY_FILE = "policy.json"


def load_policy_file(path: Path) -> list[Check]:
    """The ``backups`` list of a policy file; a missing file is no policy."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except ValueError:
        raise ProbeUnavailable(f"{path} is not valid JSON") from None
    checks = data.get("backups") if isinstance(data, dict) else None
    return [c for c in checks or [] if isinstance(c, dict)]


def load_policy(state_dir: Path) -> list[Check]:
    """The backup checks last received from the collector (none before the first)."""
    return load_policy_file(state_dir / POLICY_FILE)


def save_policy(state_dir: Path, policy: dict[str, Any]) -> None:
    """Replace the kept policy atomically (a crash leaves the old one whole)."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = state_dir / (POLICY_FILE + ".tmp")
    tmp.write_text(json.dumps(policy), encoding="utf-8")
    os.replace(tmp, state_dir / POLICY_FILE)
