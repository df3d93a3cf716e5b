"""The agent tokens one collector process has seen lately: token hash → agent.

Looking a token up in the store is a thread hop and a read session per report: a good
part of a heartbeat's cost. A report let in on this cache is not trusted on it: the writer
checks the agent against the same hash in the transaction that stores the report
(``writer.py``), so a token revoked or replaced by another process (the CLI, another
worker) is refused at once, and the entry is dropped. The cache only spares the store a
question for a token it answered yes to within ``ttl`` seconds; a token it does not hold
is looked up as before, so an unknown token is refused before its body is read."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

TTL_SECONDS = 900.0  # longer than the agents' heartbeat interval (300 s by default)
MAX_ENTRIES = 200_000


@dataclass(frozen=True)
class KnownAgent:
    id: int
    uid: str


class TokenCache:
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._entries: dict[str, tuple[KnownAgent, float]] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> KnownAgent | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if time.monotonic() - entry[1] > self.ttl:
            self.forget(token_hash)
            return None
        return entry[0]

    def put(self, token_hash: str, agent: KnownAgent) -> KnownAgent:
        with self._lock:
            self._entries.pop(token_hash, None)
            while len(self._entries) >= self.max_entries:  # the oldest put goes first
                del self._entries[next(iter(self._entries))]
            self._entries[token_hash] = (agent, time.monotonic())
        return agent

    def forget(self, token_hash: str) -> None:
        with self._lock:
            self._entries.pop(token_hash, None)

    def forget_agent(self, agent_id: int) -> None:
        """Every token of an agent (revoked here, or enrolled again)."""
        with self._lock:
            for key in [k for k, (a, _t) in self._entries.items() if a.id == agent_id]:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)
