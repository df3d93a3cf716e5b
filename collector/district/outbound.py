"""The one way another feature hands the central something this collector learned.

A feature that learns something the central must also know (an SNMP poll, a configuration
version, a compliance result, sightings) asks ``sender(collector)`` once when its runtime
is made and keeps the answer: ``None`` on the central (nothing to forward), else a
``Send`` that queues ``(kind, key, body)`` in the district's outbox. The feature calls it
BEFORE it writes the same thing to its local store, so nothing learned is lost if the
process dies in between (the key makes a second queueing of one thing a no-op).

* ``kind``: what the central's ``inventory/district.py`` ``HANDLERS`` applies it with;
* ``key``: stable for the same fact (``"snmp.poll:core-sw@2026-12-02T07:00:00"``), at most
  160 characters — ``key_of`` makes one from parts;
* ``body``: JSON-able (datetimes become ISO text).

The district runtime is looked up at each call, so the order the features are made in does
not matter; this module imports nothing of the district's internals until then.

``copied_profiles(collector)`` is the other thing a feature may ask: the folder of SNMP
profiles pulled from the central (after the district's own, so the central's win), kept
checked by the district before a file lands there."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from muniops.collector.core.feature import runtime_of

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector
    from muniops.collector.core.settings import Settings

Send = Callable[[str, str, dict[str, Any]], None]
KEY_MAX = 160


def sender(collector: Collector) -> Send | None:
    """``collector``'s way to queue items for its central; None unless it is a district."""
    if collector.settings.district.role != "district":
        return None

    def send(kind: str, key: str, body: dict[str, Any]) -> None:
        from muniops.collector.district.runtime import DistrictRuntime

        runtime = runtime_of(collector, DistrictRuntime)
        if runtime is None:  # a district without its district feature: a wiring error
            raise RuntimeError("district role but no district runtime to forward through")
        runtime.record(kind, key, body)

    return send


def copied_profiles(collector: Collector) -> Path | None:
    """The central's SNMP profiles as this district last pulled them (a folder, maybe
    empty); None on the central."""
    if collector.settings.district.role != "district":
        return None
    from muniops.collector.district.outbox import PROFILES, folder_of

    folder = folder_of(collector.settings.data_dir) / PROFILES
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def key_of(kind: str, *parts: object) -> str:
    """An idempotency key ``kind:part@part...``; hashed past ``KEY_MAX`` characters."""
    key = f"{kind}:" + "@".join(str(p) for p in parts)
    if len(key) <= KEY_MAX:
        return key
    return f"{kind}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def offline_sender(settings: Settings) -> Send | None:
    """The same for a process without the district runtime (a CLI command run on the
    district's host): it opens the outbox file itself; the running collector's forwarding
    sends what it queues (SQLite serialises the two processes' writes)."""
    if settings.district.role != "district":
        return None
    from muniops.collector.district.outbox import OUTBOX, Outbox, folder_of

    outbox = Outbox(folder_of(settings.data_dir) / OUTBOX)

    def send(kind: str, key: str, body: dict[str, Any]) -> None:
        outbox.put(kind, key, body)

    return send
