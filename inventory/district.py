"""District collectors on the central store: enrolment (a site's agent enrolment secret for
the district collector's own token), applying the items its outbox forwards exactly once
and in order (the ``district_applied`` ledger, written in each item's transaction). Which
devices a district polls is ``collector/district/devices.py``.

What each kind of item does at the centre is a handler in ``HANDLERS``; an item of a kind
the centre does not know is refused as a whole batch (the district keeps it), never
dropped."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from muniops.inventory import agents, audit, district_configs
from muniops.inventory.agent_schema import Report
from muniops.inventory.errors import Conflict, InvalidInput, MuniopsError
from muniops.inventory.models import (
    Agent,
    DistrictApplied,
    DistrictCollector,
    EnrollmentSecret,
    Site,
)
from muniops.inventory.tokens import hash_token
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)

DISTRICT_TOKEN_PREFIX = "md_"
APPLIED, REFUSED, DUPLICATE = "applied", "refused", "duplicate"


# ---- enrolment ----------------------------------------------------------------------------

def enroll(session: Session, secret: str, name: str) -> tuple[DistrictCollector, str]:
    """Trade a site's enrolment secret for the district collector ``name``'s token (shown
    once, stored hashed). Enrolling again gives a new token and starts a new outbox: the
    sequence numbers it will send start again from 1."""
    row = session.exec(select(EnrollmentSecret).where(
        EnrollmentSecret.secret_hash == hash_token(secret))).first()
    if row is None or row.revoked_at is not None:
        raise InvalidInput("secret", "unknown or revoked enrolment secret")
    plain = DISTRICT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    found = session.exec(select(DistrictCollector)
                         .where(DistrictCollector.name == name)).first()
    collector = found or DistrictCollector(name=name, token_hash="", prefix="",
                                           site_id=row.site_id)
    if found is not None and found.site_id != row.site_id and not _same_district(
            session, found.site_id, row.site_id):
        raise Conflict(f"district collector {name} is enrolled for another district")
    collector.token_hash, collector.prefix = hash_token(plain), plain[:8]
    collector.site_id, collector.revoked_at, collector.last_seq = row.site_id, None, 0
    session.add(collector)
    session.flush()
    audit.record(session, f"district:{name}", "district.enroll", "district_collector",
                 collector.id, after={"name": name, "site_id": row.site_id})
    return collector, plain


def _same_district(session: Session, a: int, b: int) -> bool:
    districts = dict(session.exec(select(Site.id, Site.district)
                                  .where(col(Site.id).in_([a, b]))).all())
    return districts.get(a) == districts.get(b)


def authenticate(session: Session, token: str) -> DistrictCollector | None:
    found = session.exec(select(DistrictCollector)
                         .where(DistrictCollector.token_hash == hash_token(token))).first()
    return None if found is None or found.revoked_at is not None else found


def district_of(session: Session, collector: DistrictCollector) -> str:
    site = session.get(Site, collector.site_id)
    return site.district if site is not None else ""


def list_collectors(session: Session) -> list[dict[str, Any]]:
    """Every district collector with its district and progress, for the CLI and the API."""
    rows = session.exec(select(DistrictCollector, Site.district)
                        .join(Site, col(Site.id) == col(DistrictCollector.site_id))
                        .order_by(col(DistrictCollector.name))).all()
    return [{"name": c.name, "district": district, "prefix": c.prefix,
             "enrolled_at": c.enrolled_at, "last_seen_at": c.last_seen_at,
             "last_seq": c.last_seq, "items_applied": c.items_applied,
             "revoked": c.revoked_at is not None} for c, district in rows]


# ---- applying forwarded items -------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One outbox item as forwarded: its outbox sequence number, idempotency key, kind."""

    seq: int
    key: str
    kind: str
    body: dict[str, Any]


@dataclass
class BatchResult:
    applied: int = 0
    duplicates: int = 0
    refused: int = 0
    through: int = 0  # the highest sequence number now settled at the centre


Handler = Callable[[Session, DistrictCollector, dict[str, Any]], None]


def _agent_report(session: Session, district: DistrictCollector, body: dict[str, Any]) -> None:
    """An agent's report received by the district: applied through the same ingest as a
    report sent here directly (its own ledger too); the agent record is made on first
    sight, at the district's site, with a token nobody holds (it talks to its district)."""
    try:
        report = Report.model_validate(body["report"])
        who = body["agent"]
        uid = str(uuid.UUID(str(who["uid"])))
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise InvalidInput("body", f"not an agent report item: {exc}") from None
    agent = session.exec(select(Agent).where(Agent.uid == uid)).first()
    if agent is None:
        agent = Agent(uid=uid, token_hash=hash_token(secrets.token_urlsafe(32)),
                      prefix="district", hostname=str(who.get("hostname", ""))[:255],
                      site_id=district.site_id,
                      smbios_uuid=(who.get("smbios_uuid") or None),
                      machine_id=(who.get("machine_id") or None))
        session.add(agent)
        session.flush()
    agents.ingest(session, agent, report)


HANDLERS: dict[str, Handler] = {
    "agent.report": _agent_report,
    district_configs.VERSION: district_configs.apply_version,
    district_configs.BACKUP: district_configs.apply_backup,
    district_configs.COMPLIANCE: district_configs.apply_compliance,
}


def _check_batch(items: Sequence[Item]) -> None:
    unknown = sorted({i.kind for i in items} - HANDLERS.keys())
    if unknown:
        raise InvalidInput("kind", f"unknown item kind(s) {', '.join(unknown)}; this central "
                                   f"applies {', '.join(sorted(HANDLERS))}")
    seqs = [i.seq for i in items]
    if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
        raise InvalidInput("seq", "items must be in increasing sequence order")


def apply_batch(session: Session, district: DistrictCollector, items: Sequence[Item]
                ) -> BatchResult:
    """Apply ``items`` in order in the caller's transaction, each in a SAVEPOINT with its
    ledger row. A key seen before is a duplicate; an item older than the last applied one
    that is not in the ledger would break the order, so the batch is refused (Conflict).
    An item refused on purpose (a malformed report) is kept in the ledger with why."""
    _check_batch(items)
    result = BatchResult(through=district.last_seq)
    keys = [i.key for i in items]
    seen = set(session.exec(select(DistrictApplied.key)
                            .where(col(DistrictApplied.key).in_(keys))).all())
    for item in items:
        if item.key in seen:
            result.duplicates += 1
            result.through = max(result.through, item.seq)
            continue
        if item.seq <= district.last_seq:
            raise Conflict(f"item {item.seq} arrived after item {district.last_seq}: "
                           "out of order")
        outcome, detail = _apply_one(session, district, item)
        session.add(DistrictApplied(key=item.key, district_id=district.id or 0, seq=item.seq,
                                    kind=item.kind, outcome=outcome, detail=detail[:500]))
        district.last_seq = result.through = item.seq
        if outcome == APPLIED:
            result.applied += 1
        else:
            result.refused += 1
    district.items_applied += result.applied
    district.last_seen_at = utcnow()
    session.add(district)
    return result


def _apply_one(session: Session, district: DistrictCollector, item: Item) -> tuple[str, str]:
    try:
        with session.begin_nested():
            HANDLERS[item.kind](session, district, item.body)
    except MuniopsError as exc:
        log.warning("district %s item %s (%s) refused: %s", district.name, item.seq,
                    item.kind, exc)
        return REFUSED, str(exc)
    return APPLIED, ""
