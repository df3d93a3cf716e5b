"""The agent on this machine: ``muniops-agent inventory --print`` as a real process,
cross-checked against the machine's own tools; ClamAV's headers on a database made by
sigtool; the spool's bounds and crash safety."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from muniops.agent.probes import clamav
from muniops.agent.spool import Spool
from muniops.lab.agents import run_agent


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    state = tmp_path_factory.mktemp("agent")
    done = run_agent(state, "inventory", "--print")
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _sh(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def test_memory_and_cores_match_proc_and_nproc(report: dict[str, Any]) -> None:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    assert report["memory"]["total_bytes"] == int(meminfo["MemTotal"].split()[0]) * 1024
    assert report["cpu"]["logical_cores"] == int(_sh("nproc", "--all"))
    assert report["cpu"]["available_cores"] == int(_sh("nproc"))


def test_interfaces_match_ip_link(report: dict[str, Any]) -> None:
    ours = {i["name"]: i for i in report["network"]}
    links = json.loads(_sh("ip", "-j", "link"))
    assert links
    for link in links:
        name = link["ifname"]
        assert name in ours, f"{name} missing from the report"
        assert ours[name]["mac"] == link.get("address"), name
        assert ours[name]["up"] == ("UP" in link["flags"]), name


def test_disks_match_lsblk(report: dict[str, Any]) -> None:
    ours = {d["name"]: d["size_bytes"] for d in report["disks"]}
    disks = [d for d in json.loads(_sh("lsblk", "-J", "-b"))["blockdevices"]
             if d["type"] == "disk" and int(d["size"]) > 0]
    assert disks
    for disk in disks:
        assert ours.get(disk["name"]) == int(disk["size"]), disk["name"]


def test_package_count_matches_dpkg_query(report: dict[str, Any]) -> None:
    lines = _sh("dpkg-query", "-W", "-f", "${db:Status-Abbrev} ${Package}:${Architecture} "
                "${Version}\n").splitlines()
    installed = {tuple(line.split()[1:3]) for line in lines if line.split()[0] in ("ii", "hi")}
    ours = {(f"{p['name']}:{p['arch']}", p["version"]) for p in report["software"]}
    assert len(report["software"]) == len(installed)
    assert ours == installed


def test_every_section_answers_or_says_why(report: dict[str, Any]) -> None:
    sections = ["identity", "os", "cpu", "memory", "disks", "filesystems", "network", "users",
                "software", "antivirus", "health", "firewall", "agent"]
    for name in sections:
        assert report[name] is not None or name in report["errors"], name
    # no SMBIOS in this VM: the identity still names the host and the reason is given
    assert report["identity"]["hostname"]
    assert "smbios" in report["errors"] or "serial" in report["identity"]
    assert report["antivirus"]["state"] in ("found", "none")


@pytest.fixture
def clam_db(tmp_path: Path) -> Path:
    """A small, loadable ClamAV database built by sigtool (see the peers notes)."""
    if not shutil.which("sigtool"):
        pytest.fail("sigtool (Debian clamav) is missing; scripts/debian-packages.txt lists it")
    src = tmp_path / "src"
    src.mkdir()
    (src / "COPYING").write_text("test database\n")
    (src / "daily.hdb").write_text("44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test.Hash\n")
    (src / "daily.ndb").write_text("Muniops.Test:0:*:6d756e696f70732d746573742d7369676e6174\n")
    subprocess.run(["sigtool", "--build=daily.cud", "--unsigned", "--cvd-version=27123",
                    "--datadir=."], cwd=src, input="muniops-test\n", text=True, check=True,
                   capture_output=True)
    db = tmp_path / "db"
    db.mkdir()
    shutil.copy(src / "daily.cud", db / "daily.cld")
    return db


def test_clamav_header_matches_clamscan(clam_db: Path) -> None:
    found = clamav.probe([clam_db])
    assert found is not None
    assert found["signature_version"] == 27123
    assert found["databases"]["daily"]["signatures"] == 2
    assert found["databases"]["daily"]["builder"] == "muniops-test"
    # clamscan reads the same database: its version line names the same version and time
    line = _sh("clamscan", "--version", f"--database={clam_db}").strip()
    engine, version, _when = line.removeprefix("ClamAV ").split("/", 2)
    assert found["engine_version"] == engine
    assert int(version) == found["signature_version"]
    assert found["signature_time"] is not None


def test_clamav_absent_database_dir_reports_no_signatures(tmp_path: Path) -> None:
    found = clamav.probe([tmp_path / "nowhere"])
    assert found is None or found["signature_version"] is None


def _report(n: int, kind: str = "heartbeat") -> dict[str, Any]:
    return {"report_id": f"00000000-0000-0000-0000-{n:012d}", "kind": kind, "pad": "x" * 100}


def test_spool_is_oldest_first_and_bounded(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_files=5)
    spool.put(_report(0, "full"))
    for n in range(1, 8):
        spool.put(_report(n))
    pending = spool.pending()
    assert len(pending) == 5
    # heartbeats go first when the spool is full; the full report stays
    assert pending[0].report_id.endswith("000000000000") and pending[0].kind == "full"
    assert [p.report_id[-1] for p in pending[1:]] == ["4", "5", "6", "7"]
    body = json.loads(gzip.decompress(pending[-1].body()))
    assert body["report_id"].endswith("7")


def test_spool_ignores_half_written_files(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.put(_report(1))
    (tmp_path / "0000-full-x.json.gz.tmp").write_bytes(b"\x1f\x8b partial")  # a crash mid-write
    again = Spool(tmp_path)
    assert [p.report_id[-1] for p in again.pending()] == ["1"]
    assert not list(tmp_path.glob("*.tmp"))


def test_credentials_file_is_private(tmp_path: Path) -> None:
    from muniops.agent import credentials

    path = credentials.save(tmp_path, credentials.Credentials("http://x", "id", "ma_secret"))
    assert path.stat().st_mode & 0o777 == 0o600
    assert "ma_secret" not in repr(credentials.load(tmp_path))


def test_accounts_and_repositories_match_getent_and_apt(report: dict[str, Any]) -> None:
    passwd = _sh("getent", "passwd").splitlines()
    assert sorted(u["name"] for u in report["local_users"]) == \
        sorted(line.split(":")[0] for line in passwd)
    groups = _sh("getent", "group").splitlines()
    assert len(report["local_groups"]) == len(groups)
    pci = list(Path("/sys/bus/pci/devices").iterdir()) if Path("/sys/bus/pci").exists() else []
    assert len(report["controllers"] or []) == len(pci)


def test_freshclam_log_gives_the_last_update_run(tmp_path: Path) -> None:
    log = tmp_path / "freshclam.log"
    log.write_text("--------------------------------------\n"
                   "freshclam daemon 1.4.6 (OS: linux-gnu, ARCH: x86_64, CPU: x86_64)\n"
                   "ClamAV update process started at Sun Aug 27 07:45:01 2023\n"
                   "daily.cld database is up-to-date (version: 27014, sigs: 2040000)\n"
                   "ClamAV update process started at Mon Aug 28 07:45:01 2023\n"
                   "daily.cld updated (version: 27015, sigs: 2041000)\n")
    assert clamav.last_freshclam_run([tmp_path / "missing.log", log]) == \
        "Mon Aug 28 07:45:01 2023"
