"""The district feature inside ``muniops serve``. On a district collector: the outbox, the
agents' reports teed into it before they are answered, the ``district-forward`` job that
drains it to the central in order, and the ``district-pull`` job that keeps the last good
copy of the central's devices, profiles, playbooks and policies. On the central: nothing
runs here (its routes are in ``routes.py``). On any collector with ``share_devices``: the
device leases it shares the SNMP and SSH work with its peers by (``sharing.py``)."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client.registry import Collector as PromCollector
from sqlalchemy.exc import SQLAlchemyError

from muniops.collector.agents.runtime import AgentsRuntime
from muniops.collector.core.feature import Job, Runtime, runtime_of
from muniops.collector.district.link import CentralLink, CentralRefused, CentralUnreachable
from muniops.collector.district.metrics import DistrictMetrics, LinkState
from muniops.collector.district.outbox import COPY, OUTBOX, PROFILES, Outbox, folder_of
from muniops.collector.district.sharing import DeviceSharing, HeldMetrics
from muniops.inventory import district
from muniops.inventory.agent_schema import Report
from muniops.inventory.errors import MuniopsError
from muniops.inventory.models import Agent

if TYPE_CHECKING:
    from muniops.collector.agents.writer import IngestWriter
    from muniops.collector.core.service import Collector
    from muniops.inventory.agents import IngestResult

log = logging.getLogger(__name__)
SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}")  # a profile file's name


def write_private(path: Path, text: str) -> None:
    """Atomically, mode 0600: a half-written token or copy is never read back."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class TeeWriter:
    """The agents' ingest writer, with every report put in the outbox first: a report is
    answered only once it is both in the outbox and in the local store."""

    def __init__(self, inner: IngestWriter, outbox: Outbox, collector: Collector) -> None:
        self.inner, self.outbox, self.collector = inner, outbox, collector
        self._who: dict[int, dict[str, Any]] = {}

    def submit(self, agent_id: int, report: Report) -> Future[IngestResult]:
        body = {"agent": self._agent(agent_id), "report": report.model_dump(mode="json")}
        self.outbox.put("agent.report", f"agent.report:{report.report_id}", body)
        return self.inner.submit(agent_id, report)

    def _agent(self, agent_id: int) -> dict[str, Any]:
        if agent_id not in self._who:
            with self.collector.db.read() as s:
                agent = s.get(Agent, agent_id)
                assert agent is not None
                self._who[agent_id] = {"uid": agent.uid, "hostname": agent.hostname,
                                       "smbios_uuid": agent.smbios_uuid,
                                       "machine_id": agent.machine_id}
        return self._who[agent_id]

    def close(self, timeout: float = 30.0) -> None:
        self.inner.close(timeout)


class DistrictRuntime(Runtime):
    def __init__(self, collector: Collector) -> None:
        super().__init__(collector)
        self.settings = collector.settings.district
        self.state = LinkState()
        self.outbox: Outbox | None = None
        self._forwarding = threading.Lock()
        if self.settings.role == "district":
            self.folder = folder_of(collector.settings.data_dir)
            self.outbox = Outbox(self.folder / OUTBOX)
            self.link = CentralLink(self.settings)
        self.sharing = DeviceSharing(collector) if self.settings.share_devices else None

    def start(self) -> None:
        if self.sharing is not None:
            self.sharing.tick()  # a share of the devices before the first poll
        if self.outbox is None:
            return
        agents = runtime_of(self.collector, AgentsRuntime)
        if agents is not None:
            agents.writer = TeeWriter(agents.writer, self.outbox,  # type: ignore[assignment]
                                      self.collector)
        copy = last_copy(self.collector.settings.data_dir)  # the central may be out of reach
        if copy is not None:
            self.follow(copy)

    def jobs(self) -> Sequence[Job]:
        shared = [self.sharing.job()] if self.sharing is not None else []
        if self.outbox is None:
            return shared
        return [*shared, Job("district-forward", self.settings.forward_every_seconds,
                    self._forward_job),
                Job("district-pull", self.settings.pull_every_seconds, self._pull_job,
                    pool="district-pull")]

    def _forward_job(self) -> None:
        self.forward()

    def _pull_job(self) -> None:
        self.pull()

    def metrics(self) -> Iterable[PromCollector]:
        shared: list[PromCollector] = [] if self.sharing is None else [HeldMetrics(self.sharing)]
        if self.outbox is None:
            return shared
        return [*shared, DistrictMetrics(self.outbox, self.state, self.settings.name)]

    def close(self) -> None:
        if self.sharing is not None:
            self.sharing.close()
        if self.outbox is not None:
            self.outbox.close()

    # ---- what other features call ----------------------------------------------------------

    def record(self, kind: str, key: str, body: dict[str, Any]) -> None:
        """Queue something this district learned for the central (a no-op on the central)."""
        if self.outbox is not None:
            self.outbox.put(kind, key, body)

    # ---- enrolment, forwarding, pulling ----------------------------------------------------

    def token(self) -> str:
        """This district collector's token, enrolling first if it has none yet."""
        path = self.folder / "token"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        secret = self.settings.enrolment_secret
        assert secret is not None  # the config's validator requires it for a district
        answer = self.link.call("POST", "/api/v1/district/enroll",
                                {"secret": secret.get_secret_value(),
                                 "name": self.settings.name})
        write_private(path, answer["token"])
        log.info("district %s enrolled at %s for district %r", self.settings.name,
                 self.link.base, answer.get("district", ""))
        return str(answer["token"])

    def forward(self) -> int:
        """Send the outbox to the central, oldest first, batch by batch, until it is empty
        or the central cannot be reached; returns how many items the central settled.
        An item is deleted only after the central's answer, so a cut in between sends it
        again, and the central's ledger recognises it."""
        assert self.outbox is not None
        settled = 0
        with self._forwarding:
            try:
                token = self.token()
                while True:  # an empty batch is sent too: it says the district is alive
                    batch = self.outbox.peek(self.settings.batch_size,
                                             self.settings.batch_max_bytes)
                    answer = self.link.call("POST", "/api/v1/district/items",
                                            {"items": [q.wire() for q in batch]}, token,
                                            compress=True)
                    done = self.outbox.ack(int(answer["through"]))
                    settled += done
                    self.state.forwarded(done)
                    if not batch or int(answer["through"]) < batch[-1].seq:
                        break  # empty, or partly settled: the rest goes next turn
                if not (self.folder / COPY).exists():
                    self.pull()  # the first copy as soon as the central is there
            except CentralUnreachable as exc:
                self.state.cut(str(exc))
                log.warning("district forward: %s; %d item(s) kept", exc,
                            self.outbox.depth()[0])
            except CentralRefused as exc:
                self.state.cut(str(exc))
                log.error("district forward: %s; items kept", exc)
        return settled

    def pull(self) -> bool:
        """Fetch the central's copy for this district and keep it as the last good one."""
        try:
            copy = self.link.call("GET", "/api/v1/district/copy", token=self.token())
        except (CentralUnreachable, CentralRefused) as exc:
            log.warning("district pull: %s; keeping the last good copy", exc)
            return False
        if not isinstance(copy, dict) or "devices" not in copy:
            log.error("district pull: the central's copy is not understood; keeping the "
                      "last good copy")
            return False
        copy["pulled_at"] = time.time()
        write_private(self.folder / COPY, json.dumps(copy, indent=1))
        self.state.pulled()
        self.follow(copy)
        return True

    def follow(self, copy: dict[str, Any]) -> None:
        """Make this district's register (which its SNMP, SSH and discovery jobs read)
        hold the copy's devices, and only those; keep its SNMP profiles."""
        profiles = copy.get("profiles")
        if isinstance(profiles, dict):
            self._keep_profiles(profiles)
        try:
            with self.collector.db.write() as s:
                done = district.sync_copy(s, copy, actor=f"district:{self.settings.name}")
        except (MuniopsError, SQLAlchemyError) as exc:
            log.error("district copy not applied to the local register: %s", exc)
            return
        if done.added or done.updated or done.disabled:
            log.info("district copy: %d device(s) added, %d updated, %d disabled",
                     len(done.added), len(done.updated), len(done.disabled))
        for name, why in done.refused.items():
            log.error("district copy: device %s not taken: %s", name, why)

    def _keep_profiles(self, profiles: dict[str, Any]) -> None:
        """The copy's SNMP profiles into ``DATA_DIR/district/profiles`` (the SNMP feature
        reads it after its own, ``outbound.copied_profiles``), all checked together with
        the district's own first: a bad profile from the central never stops polling."""
        # the SNMP feature's, imported here only: ``muniops district status`` stays light
        from muniops.collector.snmp.profiles import ProfileError, ProfileSet
        from muniops.collector.snmp.runner import snmp_settings

        folder = self.folder / PROFILES
        folder.mkdir(parents=True, exist_ok=True)
        own = snmp_settings(self.collector.settings).all_profile_dirs()
        mine = {p.name: p.read_text(encoding="utf-8") for d in own if d.is_dir()
                for p in d.glob("*.yaml")}
        # only what differs from the district's own files (the shipped profiles are the
        # same release's; those naming a products file beside them stay the district's)
        wanted = {f"{stem}.yaml": str(text) for stem, text in profiles.items()
                  if isinstance(stem, str) and SAFE_STEM.fullmatch(stem)
                  and mine.get(f"{stem}.yaml") != text}
        with tempfile.TemporaryDirectory(dir=self.folder) as tmp:
            for name, text in wanted.items():
                (Path(tmp) / name).write_text(text, encoding="utf-8")
            try:
                ProfileSet.load([*own, Path(tmp)])
            except ProfileError as exc:
                log.error("district copy: SNMP profiles not taken, keeping the last good "
                          "ones: %s", exc)
                return
        changed = 0
        for name, text in wanted.items():
            path = folder / name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                write_private(path, text)
                changed += 1
        for stale in folder.glob("*.yaml"):
            if stale.name not in wanted:
                stale.unlink()
                changed += 1
        if changed:
            log.info("district copy: %d SNMP profile file(s) changed", changed)


def last_copy(data_dir: Path) -> dict[str, Any] | None:
    """The last good copy of the central's devices, profiles, playbooks and policies."""
    path = folder_of(data_dir) / COPY
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
