"""The agent's identity with the collector (server URL, agent id, token): one JSON file
that only the agent's user can read, written once at enrollment."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "credentials.json"


class NotEnrolled(Exception):
    """No credentials yet: ``muniops-agent enroll`` first."""


@dataclass(frozen=True)
class Trust:
    """How the agent checks the collector's certificate: the system's CAs (neither), a CA
    file, or one pinned certificate (``sha256:...`` of its DER bytes)."""

    ca_file: str | None = None
    pin: str | None = None


@dataclass(frozen=True)
class Credentials:
    server: str
    agent_id: str
    token: str
    ca_file: str | None = None
    pin: str | None = None

    def trust(self) -> Trust:
        return Trust(self.ca_file, self.pin)

    def __repr__(self) -> str:  # the token must never reach a log line
        return f"Credentials(server={self.server!r}, agent_id={self.agent_id!r}, token=<secret>)"


def save(state_dir: Path, creds: Credentials) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = state_dir / FILE_NAME
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(creds), fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def load(state_dir: Path) -> Credentials:
    path = state_dir / FILE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotEnrolled(f"{path} does not exist: run `muniops-agent enroll` first") from None
    return Credentials(**data)
