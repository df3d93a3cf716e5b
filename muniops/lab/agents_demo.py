"""The demo's endpoint agents: this machine's real ``muniops-agent run`` daemon (enrolled
directly in the store, delivering once ``muniops serve`` is up), plus a few office PCs'
reports (this machine's report, renamed, with varied antivirus and software) so that
``muniops av``, ``software --flagged`` and ``host show`` have a fleet to show."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from muniops.agent import credentials
from muniops.collector.core.settings import load_settings
from muniops.inventory import agents
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database
from muniops.inventory.models import Agent, Site
from muniops.lab.agents import agent_argv, run_agent

OFFICE_PCS = [  # host, antivirus signature age in days (None: no antivirus), extra software
    ("pc-cityhall-001", 0.3, ["Microsoft Office 2021"]),
    ("pc-cityhall-002", 6.0, ["Microsoft Office 2021", "uTorrent 3.6"]),
    ("pc-library-001", None, ["Firefox"]),
]


def _office_pc(base: dict[str, Any], host: str, age: float | None,
               extra: list[str]) -> Report:
    products = [] if age is None else [{
        "product": "ESET Endpoint Antivirus", "enabled": True, "realtime": True,
        "signature_time": (datetime.now(UTC) - timedelta(days=age)).isoformat()}]
    return Report.model_validate({
        **base, "report_id": str(uuid.uuid4()), "host": {"hostname": host},
        "identity": {"hostname": host, "serial": f"DEMO-{host.upper()}",
                     "manufacturer": "Dell Inc.", "model": "OptiPlex 7090"},
        "os": {"family": "windows", "name": "Windows 11 Pro", "version": "10.0.22631"},
        "network": [], "software": [{"name": n, "version": "1.0"} for n in extra],
        "antivirus": {"state": "found" if products else "none", "products": products}})


def env(config_path: Path) -> dict[str, str]:
    """A second terminal's ``muniops-agent`` keeps its state beside the demo's store (not in
    /var/lib/muniops-agent), apart from the demo's own agent."""
    return {"MUNIOPS_AGENT_STATE": str(load_settings(config_path).data_dir / "second-agent")}


@contextmanager
def demo(config_path: Path) -> Iterator[None]:
    settings = load_settings(config_path)
    db = Database(settings.db_url)
    state = settings.data_dir / "demo-agent"
    with db.write() as s:
        site = s.exec(select(Site).order_by(col(Site.id))).first()
        if site is None:
            yield
            return
        _row, secret = agents.create_enrollment_secret(s, site.name, actor="demo")
        if not (state / credentials.FILE_NAME).exists():
            agent, token = agents.enroll(s, secret, "demo-agent")
            credentials.save(state, credentials.Credentials(
                f"http://{settings.api.listen}", agent.uid, token))
    base = json.loads(run_agent(state, "inventory", "--print").stdout)
    for host, age, extra in OFFICE_PCS:
        with db.write() as s:
            if s.exec(select(Agent).where(Agent.hostname == host)).first() is not None:
                continue  # enrolled by an earlier demo run
            agent, _ = agents.enroll(s, secret, host)
            agents.ingest(s, agent, _office_pc(base, host, age, extra))
    db.dispose()
    daemon = subprocess.Popen(agent_argv(state, "run", "--heartbeat-every", "60",
                                         "--retry-every", "5"))
    print(f"agent: muniops-agent run (state {state}); try `muniops av`, "
          "`muniops software --flagged`, `muniops host show pc-cityhall-002`")
    try:
        yield
    finally:
        daemon.terminate()
        with suppress(subprocess.TimeoutExpired):
            daemon.wait(timeout=20)
