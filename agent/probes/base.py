"""What every probe shares: the typed "this source cannot answer here" error and a
subprocess runner that turns a missing tool, a refusal or a hang into that error."""

from __future__ import annotations

import shutil
import subprocess


class ProbeUnavailable(Exception):
    """This source cannot answer on this host; the message is the reason shown in the report."""


def run(argv: list[str], timeout: float = 60.0, ok_codes: tuple[int, ...] = (0,),
        env: dict[str, str] | None = None) -> str:
    """Run a read-only tool and return its stdout (UTF-8, undecodable bytes replaced).
    ``env`` replaces the environment (a backup tool's passphrase goes there, never argv)."""
    if shutil.which(argv[0]) is None:
        raise ProbeUnavailable(f"{argv[0]} is not installed")
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, check=False,
                              env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ProbeUnavailable(f"{argv[0]} did not answer within {timeout:.0f}s") from None
    except OSError as exc:
        raise ProbeUnavailable(f"{argv[0]}: {exc.strerror}") from None
    if proc.returncode not in ok_codes:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ProbeUnavailable(f"{argv[0]} exited {proc.returncode}"
                               + (f": {err[-1][:200]}" if err else ""))
    return proc.stdout.decode("utf-8", "replace")


def clean(value: str | None) -> str | None:
    """SMBIOS and WMI fill unknown strings with placeholders; those mean "no value"."""
    if value is None:
        return None
    value = value.strip()
    if not value or value.lower() in PLACEHOLDERS or set(value) <= {"0", " ", "-", "."}:
        return None
    return value


PLACEHOLDERS = {
    "not specified", "not available", "to be filled by o.e.m.", "to be filled by oem",
    "system serial number", "default string", "none", "unknown", "n/a", "na", "oem",
    "not provided", "no asset tag", "chassis serial number", "system product name",
    "system manufacturer", "123456789", "not applicable", "invalid",
}
