"""Agent reports into the store in batches: one writer thread takes whatever reports are
waiting (up to ``max_batch``), applies each in its own SAVEPOINT and commits them in one
transaction. A commit and a write lock are paid once per batch instead of once per
report, and SQLite's single writer is never fought over by the API's threads. Each request
is answered only once its batch has committed, so an accepted report is never lost; a
report that fails (a duplicate sent twice at once, a bad row) fails alone.

Heartbeats take the bulk path (``inventory/agent_heartbeats.py``: four statements for the
whole batch, not a SAVEPOINT and six statements each). The writer takes whatever is
waiting, it never waits for more: with a few dozen requests in flight, waiting to fill a
batch would only add latency. Each item carries the hash of the token its request came
with; the agent is checked against it in the writing transaction (``checks_tokens``), so
the API may let a request in on its cache of tokens and a revocation still counts at once."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from muniops.inventory import agents
from muniops.inventory.agent_heartbeats import Heartbeat, ingest_heartbeats, token_refused
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database
from muniops.inventory.errors import MuniopsError, TokenRefused
from muniops.inventory.models import Agent

log = logging.getLogger(__name__)


@dataclass
class Pending:
    agent_id: int
    report: Report
    token_hash: str | None = None  # checked in the writing transaction, unless None
    done: Future[agents.IngestResult] = field(default_factory=Future)


def _apply_one(s: Session, item: Pending, attempts: int = 2
               ) -> agents.IngestResult | Exception:
    """One report in its own SAVEPOINT: what goes wrong with it stays with it.

    A unique key another writer took a moment ago (two hosts' first reports at once with
    one MAC, on two ingest workers of one PostgreSQL) fails the SAVEPOINT after the other
    transaction committed: applied again, the report sees that row and matches it."""
    try:
        with s.begin_nested():
            agent = s.get(Agent, item.agent_id)
            if agent is None or token_refused(agent, item.token_hash):
                return TokenRefused("unknown or revoked agent token")
            return agents.ingest(s, agent, item.report, duplicate_raises=True)
    except OperationalError:
        raise  # the store itself failed: the whole batch is answered 503, and sent again
    except IntegrityError as exc:  # the same report sent twice at once, or a row's race
        try:
            if agents.already_accepted(s, str(item.report.report_id), item.agent_id):
                return agents.IngestResult(agents.DUPLICATE)
        except MuniopsError as refused:
            return refused
        if attempts > 1:
            log.info("report %s applied again after a concurrent write: %s",
                     item.report.report_id, exc.orig)
            return _apply_one(s, item, attempts - 1)
        log.error("report %s not applied: %s", item.report.report_id, exc.orig)
        return exc
    except MuniopsError as exc:  # refused on purpose (a report id of another agent)
        return exc
    except Exception as exc:  # a bug: this report fails alone, logged whole
        log.exception("report %s not applied", item.report.report_id)
        return exc


def _in_one_transaction(db: Database, batch: Sequence[Pending], bulk: bool
                        ) -> list[tuple[Pending, agents.IngestResult | Exception]]:
    """The batch's heartbeats in bulk (unless ``bulk`` is off), before its full reports,
    which load their agent after that has updated it; then each full report in its own
    SAVEPOINT."""
    with db.write() as s:
        beats = [item for item in batch if bulk and item.report.kind == "heartbeat"]
        results: list[tuple[Pending, agents.IngestResult | Exception]] = list(zip(
            beats, ingest_heartbeats(s, [Heartbeat(i.agent_id, i.report, i.token_hash)
                                         for i in beats]), strict=True)) if beats else []
        results += [(item, _apply_one(s, item)) for item in batch
                    if not (bulk and item.report.kind == "heartbeat")]
    return results


def apply_batch(db: Database, batch: Sequence[Pending]) -> None:
    """Apply every report of ``batch`` in one transaction; resolve each one's future once
    the transaction committed (or failed)."""
    try:
        try:
            results = _in_one_transaction(db, batch, bulk=True)
        except IntegrityError:  # a row the bulk path did not foresee: each on its own
            log.warning("ingest: a batch of %d applied again one by one", len(batch),
                        exc_info=True)
            results = _in_one_transaction(db, batch, bulk=False)
    except Exception as exc:  # the commit failed: nothing of the batch was stored
        for item in batch:
            item.done.set_exception(exc)
        return
    for item, outcome in results:
        if isinstance(outcome, Exception):
            item.done.set_exception(outcome)
        else:
            item.done.set_result(outcome)


T = TypeVar("T")


def take_waiting(waiting: queue.Queue[T | None], first: T, max_batch: int) -> list[T]:
    """``first`` and what waits behind it, up to ``max_batch``, never waiting for more; a
    stop (None) met on the way is put back, for the loop to meet after this batch."""
    batch = [first]
    while len(batch) < max_batch:
        try:
            nxt = waiting.get_nowait()
        except queue.Empty:
            break
        if nxt is None:
            waiting.put(None)
            break
        batch.append(nxt)
    return batch


class IngestWriter:
    """The writer thread of one collector process."""

    def __init__(self, db: Database, max_batch: int = 32) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.Queue[Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="muniops-ingest",
                                        daemon=True)
        self._thread.start()

    checks_tokens = True  # a token_hash given to submit is checked where the report is written

    def submit(self, agent_id: int, report: Report, token_hash: str | None = None
               ) -> Future[agents.IngestResult]:
        item = Pending(agent_id, report, token_hash)
        self._queue.put(item)
        return item.done

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = take_waiting(self._queue, first, self.max_batch)
            apply_batch(self.db, batch)
            log.debug("ingest: %d report(s) in one transaction", len(batch))

    def close(self, timeout: float = 30.0) -> None:
        """Apply what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)
