"""Endpoint agents in the register: enrollment, tokens, report ingest (exactly once by
report UUID), matching hosts to assets, hardware change events, and the fleet views
(agents, antivirus compliance, software) the CLI, the API and the metrics share."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, update as sa_update
from sqlmodel import Session, col, select

from muniops.inventory import agent_claims, audit, backups, software_sets
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import table_of
from muniops.inventory.errors import Conflict, InvalidInput, NotFound
from muniops.inventory.models import (
    Agent,
    AgentReport,
    Asset,
    AssetKind,
    AssetMac,
    AssetStatus,
    EnrollmentSecret,
    HostFacts,
    Site,
)
from muniops.inventory.schemas import normalize_mac
from muniops.inventory.sites import get_site
from muniops.inventory.tokens import hash_token
from muniops.inventory.types import utcnow

SECRET_PREFIX = "me_"
AGENT_TOKEN_PREFIX = "ma_"
LAPTOP_CHASSIS = {"portable", "laptop", "notebook", "sub notebook", "convertible", "detachable",
                  "tablet", "hand held"}
SERVER_CHASSIS = {"main server chassis", "rack mount chassis", "blade", "multi-system",
                  "blade enclosure", "expansion chassis"}
ACCEPTED, DUPLICATE = "accepted", "duplicate"


# ---- enrollment ---------------------------------------------------------------------------

def create_enrollment_secret(session: Session, site_name: str, *, actor: str
                             ) -> tuple[EnrollmentSecret, str]:
    """A new secret for a site; the plain secret is returned once."""
    site = get_site(session, site_name)
    assert site.id is not None
    plain = SECRET_PREFIX + secrets.token_urlsafe(32)
    row = EnrollmentSecret(site_id=site.id, secret_hash=hash_token(plain), prefix=plain[:8])
    session.add(row)
    session.flush()
    audit.record(session, actor, "agent.secret.create", "agent_enrollment_secret", row.id,
                 after={"site": site.name, "prefix": row.prefix})
    return row, plain


def revoke_enrollment_secrets(session: Session, site_name: str, *, actor: str) -> int:
    site = get_site(session, site_name)
    rows = list(session.exec(select(EnrollmentSecret).where(
        EnrollmentSecret.site_id == site.id, col(EnrollmentSecret.revoked_at).is_(None))))
    for row in rows:
        row.revoked_at = utcnow()
        audit.record(session, actor, "agent.secret.revoke", "agent_enrollment_secret", row.id,
                     after={"site": site.name, "prefix": row.prefix})
    return len(rows)


def enroll(session: Session, secret: str, hostname: str, agent_version: str = "", *,
           smbios_uuid: str | None = None, machine_id: str | None = None
           ) -> tuple[Agent, str]:
    """Trade a site's enrollment secret for an agent token (shown once, stored hashed).

    A host that enrolled before (same SMBIOS UUID or machine id) gets its agent record
    back with a new token, so reinstalling the agent never makes a second agent."""
    row = session.exec(select(EnrollmentSecret).where(
        EnrollmentSecret.secret_hash == hash_token(secret))).first()
    if row is None or row.revoked_at is not None:
        raise InvalidInput("secret", "unknown or revoked enrollment secret")
    plain = AGENT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    smbios_uuid = (smbios_uuid or "").strip().lower()[:64] or None
    machine_id = (machine_id or "").strip().lower()[:64] or None
    agent = _enrolled_before(session, smbios_uuid, machine_id)
    if agent is not None and not _may_reuse(session, agent, row.site_id):
        agent = None
    before = None
    if agent is None:
        agent = Agent(uid=str(uuid.uuid4()), token_hash="", prefix="")
    else:
        before = {"hostname": agent.hostname, "site_id": agent.site_id,
                  "revoked": agent.revoked_at is not None}
    agent.token_hash, agent.prefix = hash_token(plain), plain[:8]
    agent.hostname, agent.agent_version = hostname[:255], agent_version[:40]
    agent.site_id, agent.revoked_at = row.site_id, None
    agent.smbios_uuid = smbios_uuid or agent.smbios_uuid
    agent.machine_id = machine_id or agent.machine_id
    session.add(agent)
    session.flush()
    audit.record(session, f"agent:{hostname}", "agent.enroll", "agent", agent.id,
                 before=before,
                 after={"uid": agent.uid, "hostname": hostname, "site_id": row.site_id})
    return agent, plain


def _may_reuse(session: Session, agent: Agent, site_id: int) -> bool:
    """A revoked agent stays revoked, and a secret of one district never takes over an
    agent record of another: both enrol as a new agent instead."""
    if agent.revoked_at is not None:
        return False
    return _same_district(session, agent.site_id, site_id)


def _same_district(session: Session, site_a: int | None, site_b: int | None) -> bool:
    """Whether two sites are of one district; a missing site belongs to every district."""
    if site_a is None or site_b is None or site_a == site_b:
        return True
    districts = dict(session.exec(select(Site.id, Site.district).where(
        col(Site.id).in_([site_a, site_b]))).all())
    return districts.get(site_a) == districts.get(site_b)


def _enrolled_before(session: Session, smbios_uuid: str | None, machine_id: str | None
                     ) -> Agent | None:
    """The agent record of a host seen before: by the keys it gave at enrolment, else by
    the SMBIOS UUID of its last full report (agents enrolled without keys)."""
    if smbios_uuid:
        found = session.exec(select(Agent).where(Agent.smbios_uuid == smbios_uuid)
                             .order_by(col(Agent.id).desc())).first()
        if found is None:
            found = session.exec(
                select(Agent).join(HostFacts, col(HostFacts.agent_id) == col(Agent.id))
                .where(func.lower(HostFacts.smbios_uuid) == smbios_uuid)
                .order_by(col(Agent.id).desc())).first()
        if found is not None:
            return found
    if machine_id:  # cloned disk images share a machine id: a different board is not it
        same = session.exec(select(Agent).where(Agent.machine_id == machine_id)
                            .order_by(col(Agent.id).desc())).first()
        if same is not None and not (smbios_uuid and same.smbios_uuid
                                     and same.smbios_uuid != smbios_uuid):
            return same
    return None


def authenticate(session: Session, token: str) -> Agent | None:
    agent = session.exec(select(Agent).where(Agent.token_hash == hash_token(token))).first()
    return None if agent is None or agent.revoked_at is not None else agent


def get_agent(session: Session, ref: str) -> Agent:
    """By uid, uid prefix (8+ characters) or hostname."""
    agent = session.exec(select(Agent).where(Agent.uid == ref)).first()
    if agent is None and len(ref) >= 8:
        agent = session.exec(select(Agent).where(col(Agent.uid).startswith(ref))).first()
    if agent is None:
        matches = list(session.exec(select(Agent).where(
            func.lower(Agent.hostname) == ref.lower())))
        if len(matches) > 1:
            raise Conflict(f"{len(matches)} agents are named {ref!r}: give the agent id")
        agent = matches[0] if matches else None
    if agent is None:
        raise NotFound("agent", repr(ref))
    return agent


def revoke_agent(session: Session, ref: str, *, actor: str) -> Agent:
    agent = get_agent(session, ref)
    if agent.revoked_at is not None:
        raise Conflict(f"agent {agent.hostname} ({agent.uid[:8]}) is already revoked")
    agent.revoked_at = utcnow()
    audit.record(session, actor, "agent.revoke", "agent", agent.id,
                 after={"uid": agent.uid, "hostname": agent.hostname})
    return agent


# ---- ingest -------------------------------------------------------------------------------

@dataclass
class IngestResult:
    status: str
    asset_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


def already_accepted(session: Session, report_id: str, agent_id: int | None = None) -> bool:
    """Whether the ledger holds ``report_id`` (sent by ``agent_id``, if given). The same id
    from another agent is a Conflict: never a silent "duplicate" that drops a report."""
    owner = session.exec(select(AgentReport.agent_id)
                         .where(AgentReport.report_id == report_id)).first()
    if owner is not None and agent_id is not None and owner != agent_id:
        raise Conflict(f"report id {report_id} was already used by another agent")
    return owner is not None


def ingest(session: Session, agent: Agent, report: Report, *,
           duplicate_raises: bool = False) -> IngestResult:
    """Apply one report. The ledger row and every effect commit together, so a report
    delivered again (after a lost answer or a crash) is recognised and applied once.

    ``duplicate_raises``: the caller's SAVEPOINT tells a report id already in the ledger
    by the IntegrityError of its row (``collector/agents/writer.py``), so the ledger is
    not asked first."""
    rid = str(report.report_id)
    if not duplicate_raises and already_accepted(session, rid, agent.id):
        return IngestResult(DUPLICATE, agent.asset_id)
    assert agent.id is not None
    session.add(AgentReport(report_id=rid, agent_id=agent.id, kind=report.kind,
                            created_at=report.created_at))
    session.flush()  # a concurrent copy of this report fails here, on the unique key
    now = utcnow()
    result = IngestResult(ACCEPTED, agent.asset_id)
    if report.kind == "full":
        result = _apply_full(session, agent, report)
        agent.last_full_at = now
        if result.asset_id is not None:
            agent.asset_id = result.asset_id
    elif agent.asset_id is not None and report.health is not None:
        # one small UPDATE: the host's full facts are neither read nor written again
        session.execute(sa_update(table_of(HostFacts))
                        .where(table_of(HostFacts).c.asset_id == agent.asset_id)
                        .values(health=report.health.model_dump(mode="json")))
    # after the report's own queries, so that the agent's row is updated once
    agent.last_seen_at = now
    agent.reports_accepted += 1
    agent.hostname = report.host.hostname
    agent.agent_version = report.agent_version
    session.add(agent)
    return result


def _physical_macs(report: Report) -> list[str]:
    out = []
    for iface in report.network or []:
        if not iface.mac or iface.physical is False or iface.name == "lo":
            continue
        try:
            mac = normalize_mac(iface.mac)
        except ValueError:
            continue
        if mac != "00:00:00:00:00:00" and mac not in out:
            out.append(mac)
    return out


def _kind_of(report: Report) -> AssetKind:
    chassis = ((report.identity.chassis_type if report.identity else None) or "").lower()
    os_name = ((report.os.name if report.os else None) or "").lower()
    if chassis in LAPTOP_CHASSIS:
        return AssetKind.LAPTOP
    if chassis in SERVER_CHASSIS or "server" in os_name:
        return AssetKind.SERVER
    return AssetKind.PC


def _match(session: Session, agent: Agent, report: Report,
           macs: list[str]) -> tuple[Asset | None, str]:
    """The asset this host is, and how it was found: the agent's own, else by serial,
    SMBIOS UUID, MAC, hostname (among the assets of the agent's district only)."""
    if agent.asset_id is not None:
        asset = session.get(Asset, agent.asset_id)
        if asset is not None and asset.status != AssetStatus.RETIRED:
            return asset, "own"
    ident = report.identity
    if ident and ident.serial:
        asset = session.exec(select(Asset).where(Asset.serial == ident.serial)).first()
        if asset is not None:
            return asset, "serial"
    if ident and ident.smbios_uuid:
        facts = session.exec(select(HostFacts).where(
            HostFacts.smbios_uuid == ident.smbios_uuid.lower())).first()
        if facts is not None:
            return session.get(Asset, facts.asset_id), "smbios_uuid"
    if macs:
        owner = session.exec(select(AssetMac).where(col(AssetMac.mac).in_(macs))).first()
        if owner is not None:
            return session.get(Asset, owner.asset_id), "mac"
    named = [a for a in session.exec(select(Asset).where(
        func.lower(Asset.hostname) == report.host.hostname.lower(),
        Asset.status != AssetStatus.RETIRED)) if _claimable(session, agent, a)]
    return (named[0], "hostname") if len(named) == 1 else (None, "")


def _claimable(session: Session, agent: Agent, asset: Asset) -> bool:
    """An agent may claim only an asset of its own district (or one at no site): a secret
    of District 1 must not write District 2's facts."""
    return _same_district(session, asset.site_id, agent.site_id)


def _claim(session: Session, agent: Agent, report: Report,
           macs: list[str]) -> tuple[Asset | None, bool]:
    """The asset the report is applied to, and whether it is new (``_discover``). A first
    claim of an existing asset is written to the audit log; a claim across districts is
    refused (and written there, for a technician to look at): the report is kept in the
    ledger but applied to nothing."""
    asset, how = _match(session, agent, report, macs)
    actor = f"agent:{report.host.hostname}"
    if asset is None:
        return _discover(session, agent, report, macs), True
    if how == "own":
        return asset, False
    if not _claimable(session, agent, asset):
        audit.record(session, actor, "agent.claim_refused", "asset", asset.id,
                     after={"agent": agent.uid, "matched_by": how,
                            "agent_site_id": agent.site_id})
        agent_claims.record_refused(session, agent, asset, how)  # for a technician
        return None, False
    audit.record(session, actor, "agent.claim", "asset", asset.id,
                 after={"agent": agent.uid, "matched_by": how})
    return asset, False


def _discover(session: Session, agent: Agent, report: Report, macs: list[str]) -> Asset:
    """A host the register does not know: a ``discovered`` asset for a technician.

    Written directly rather than through ``assets.add_asset``: a machine without a readable
    serial (a VM, a board with "To be filled by O.E.M.") has neither serial nor tag yet,
    which people may not create but an agent must be able to report. ``_match`` has just
    looked for the serial and the MACs and found neither in the register: both are free."""
    ident = report.identity
    asset = Asset(kind=_kind_of(report), status=AssetStatus.DISCOVERED,
                  serial=ident.serial if ident else None,
                  vendor=(ident.manufacturer or "")[:120] if ident else "",
                  model=(ident.model or "")[:200] if ident else "",
                  hostname=report.host.hostname, site_id=agent.site_id,
                  notes=f"discovered by agent {agent.uid}")
    session.add(asset)
    session.flush()
    session.add_all(AssetMac(asset_id=asset.id or 0, mac=m) for m in macs)
    audit.record(session, f"agent:{report.host.hostname}", "asset.discover", "asset", asset.id,
                 after=audit.snapshot(asset, macs=macs))
    return asset


def hardware_of(report: Report) -> dict[str, Any]:
    """What counts as this machine's hardware; a change here is a change event."""
    ident = report.identity
    memory = report.memory
    modules = sorted(f"{m.slot or '?'} {m.size_bytes or 0} {m.serial or ''}".strip()
                     for m in (memory.modules or [])) if memory else []
    return {
        "serial": ident.serial if ident else None,
        "smbios_uuid": ident.smbios_uuid.lower() if ident and ident.smbios_uuid else None,
        "cpu": (f"{report.cpu.model} ({report.cpu.physical_cores}c/{report.cpu.logical_cores}t)"
                if report.cpu else None),
        # the kernel keeps a little memory; MiB rounded to 64 ignores that, not a module
        "memory_mib": (round(memory.total_bytes / 2**20 / 64) * 64) if memory else None,
        "memory_modules": modules,
        "disks": sorted(f"{d.model or '?'} {d.serial or '?'} {d.size_bytes}"
                        for d in report.disks or []),
    }


def _record_changes(session: Session, asset: Asset, before: dict[str, Any],
                    after: dict[str, Any], hostname: str) -> dict[str, Any]:
    changed = {k: [before.get(k), after.get(k)] for k in after
               if before.get(k) != after.get(k) and after.get(k) is not None}
    if changed:
        audit.record(session, f"agent:{hostname}", "asset.hardware_change", "asset", asset.id,
                     before={k: v[0] for k, v in changed.items()},
                     after={k: v[1] for k, v in changed.items()})
    return changed


def _apply_full(session: Session, agent: Agent, report: Report) -> IngestResult:
    macs = _physical_macs(report)
    asset, new = _claim(session, agent, report, macs)
    if asset is None:
        return IngestResult(ACCEPTED, None)
    assert asset.id is not None
    facts = None if new else session.get(HostFacts, asset.id)
    if facts is not None and facts.reported_at > report.created_at:
        return IngestResult(ACCEPTED, asset.id)  # an older report than what we hold
    hardware = hardware_of(report)
    changes: dict[str, Any] = {}
    if facts is None:
        facts = HostFacts(asset_id=asset.id, reported_at=report.created_at)
    else:
        changes = _record_changes(session, asset, facts.hardware, hardware,
                                  report.host.hostname)
    body = report.model_dump(mode="json", exclude={"software"})
    body["software_count"] = len(report.software) if report.software is not None else None
    facts.agent_id = agent.id
    facts.smbios_uuid = hardware["smbios_uuid"]
    facts.facts = body
    facts.hardware = hardware
    facts.antivirus = body.get("antivirus") or {}
    facts.health = body.get("health")
    facts.reported_at = report.created_at
    facts.updated_at = utcnow()
    if report.software is not None:
        packages = sorted({(p["name"], p.get("version") or "", p.get("publisher") or "")
                           for p in report.software})
        digest = software_sets.digest(packages)
        if digest != facts.software_digest or facts.software_set_id is None:
            facts.software_set_id = software_sets.assign(
                session, asset.id, facts.software_set_id, packages, digest)
            facts.software_digest = digest
    session.add(facts)
    if report.backups is not None:
        backups.record(session, asset.id, report.backups, report.created_at)
    if not asset.hostname:
        asset.hostname = report.host.hostname
    return IngestResult(ACCEPTED, asset.id, changes)


def prune_ledger(session: Session, older_than_days: int) -> int:
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = session.exec(delete(AgentReport).where(
        col(AgentReport.received_at) < cutoff))
    return int(result.rowcount or 0)
