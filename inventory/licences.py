"""The software licence register and its check against what the agents report.

A licence's key is a secret: it lives in ``licence_key``, is never in a listing, a report,
a metric or an audit snapshot, and is read only by ``reveal_key``, which is audited.

Matching: each package an agent reported (``host_software``) is classified by the rule
file (``software_rules``). An installation of a product that needs a licence is covered
by a licence assigned to its host (or to the person holding the host), else by a free
seat of a licence of that product (its version first, then any version); what is left
is an installation without a licence. Expired licences cover nothing."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, SecretStr, model_validator
from sqlalchemy import func, select as sa_select
from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.assets import get_asset
from muniops.inventory.db import table_of
from muniops.inventory.errors import Conflict, InvalidInput, NotFound
from muniops.inventory.models import (
    Asset,
    AssetStatus,
    Assignment,
    HostFacts,
    Site,
    SoftwareSet,
    SoftwareSetItem,
)
from muniops.inventory.models.licences import Licence, LicenceAssignment, LicenceKey
from muniops.inventory.schemas import Strict
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.sites import get_person
from muniops.inventory.software_rules import Match, Need, Rules, classify

LICENCE = "licence"


class LicenceCreate(Strict):
    product: str = Field(min_length=1, max_length=120)
    edition: str = Field(default="", max_length=120)
    version: str = Field(default="", max_length=60)
    seats: int = Field(ge=1, le=1_000_000)
    key: SecretStr | None = None
    purchase_date: date | None = None
    expires_on: date | None = None
    vendor: str = Field(default="", max_length=200)
    reference: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _dates(self) -> LicenceCreate:
        if self.purchase_date and self.expires_on and self.expires_on < self.purchase_date:
            raise ValueError("expires_on is before purchase_date")
        return self


class LicencePublic(BaseModel):
    """A licence as listings show it: never its key, only whether it has one."""

    id: int
    product: str
    edition: str
    version: str
    seats: int
    assigned: int
    has_key: bool
    purchase_date: date | None
    expires_on: date | None
    vendor: str
    reference: str


def _snapshot(licence: Licence, has_key: bool) -> dict[str, object]:
    return audit.snapshot(licence, has_key=has_key)


def add_licence(session: Session, data: LicenceCreate, rules: Rules, *,
                actor: str) -> Licence:
    if rules.get(data.product) is None:
        known = ", ".join(r.key for r in rules.products if r.licence == Need.REQUIRED)
        raise InvalidInput("product", f"{data.product!r} is not in the product rule file; "
                                      f"products needing a licence: {known}")
    licence = Licence(**data.model_dump(exclude={"key"}))
    session.add(licence)
    session.flush()
    secret = data.key.get_secret_value().strip() if data.key else ""
    if secret:
        session.add(LicenceKey(licence_id=licence.id or 0, secret=secret))
    audit.record(session, actor, "licence.create", LICENCE, licence.id,
                 after=_snapshot(licence, bool(secret)))
    return licence


def get_licence(session: Session, licence_id: int) -> Licence:
    licence = session.get(Licence, licence_id)
    if licence is None:
        raise NotFound("licence", str(licence_id))
    return licence


def reveal_key(session: Session, licence_id: int, *, actor: str) -> str:
    """The key, for installing the product; every reading is in the audit log."""
    get_licence(session, licence_id)
    key = session.get(LicenceKey, licence_id)
    if key is None:
        raise NotFound("licence key", f"of licence {licence_id}")
    audit.record(session, actor, "licence.key_read", LICENCE, licence_id,
                 after={"key_sha256_prefix": hashlib.sha256(key.secret.encode()).hexdigest()[:8]})
    return key.secret


def assign_licence(session: Session, licence_id: int, *, actor: str, asset: str | None = None,
                   person: str | None = None) -> LicenceAssignment:
    """A seat to a host or to a person; more assignments than seats is refused."""
    licence = get_licence(session, licence_id)
    if (asset is None) == (person is None):
        raise InvalidInput("holder", "give an asset or a person, not both")
    row = LicenceAssignment(licence_id=licence_id)
    if asset is not None:
        row.asset_id = get_asset(session, asset).id
    else:
        row.person_id = get_person(session, person or "").id
    taken = session.exec(select(LicenceAssignment).where(
        LicenceAssignment.licence_id == licence_id,
        LicenceAssignment.asset_id == row.asset_id if row.asset_id else
        LicenceAssignment.person_id == row.person_id)).first()
    if taken is not None:
        raise Conflict(f"licence {licence_id} is already assigned to {asset or person}")
    used = _assigned_counts(session).get(licence_id, 0)
    if used >= licence.seats:
        raise Conflict(f"licence {licence_id} has {licence.seats} seat(s), all assigned")
    session.add(row)
    session.flush()
    audit.record(session, actor, "licence.assign", LICENCE, licence_id,
                 after={"asset_id": row.asset_id, "person_id": row.person_id})
    return row


def _assigned_counts(session: Session) -> dict[int, int]:
    return {lid: n for lid, n in session.exec(
        select(LicenceAssignment.licence_id, func.count())
        .group_by(col(LicenceAssignment.licence_id)))}


def list_licences(session: Session) -> list[LicencePublic]:
    assigned = _assigned_counts(session)
    keyed = set(session.exec(select(LicenceKey.licence_id)))
    return [LicencePublic(**lic.model_dump(exclude={"notes", "created_at"}),
                          assigned=assigned.get(lic.id or 0, 0), has_key=lic.id in keyed)
            for lic in session.exec(select(Licence).order_by(col(Licence.product),
                                                             col(Licence.id)))]


# ---- the check against what the agents report ----

@dataclass(frozen=True)
class Install:
    asset_id: int
    asset: str
    hostname: str
    site: str
    product: str
    version: str
    raw_name: str
    need: Need


@dataclass
class ProductCount:
    product: str
    installs: int = 0
    seats: int = 0
    unlicensed: int = 0


@dataclass
class Compliance:
    installs: list[Install] = field(default_factory=list)
    unlicensed: list[Install] = field(default_factory=list)
    denied: list[Install] = field(default_factory=list)
    products: dict[str, ProductCount] = field(default_factory=dict)
    # licences with more assignments than seats (seats were cut after assignment)
    over_assigned: list[tuple[Licence, int]] = field(default_factory=list)
    expiring: list[tuple[Licence, int]] = field(default_factory=list)  # days left (<0: gone)
    unknown_packages: int = 0  # reported packages the rule file does not know
    hosts: int = 0  # hosts whose software is known

    def over_deployed(self) -> list[ProductCount]:
        return [p for p in self.products.values() if p.installs > p.seats]


def _scoped(stmt: Any, scope: Scope) -> Any:
    """Only the hosts of a liaison's district (any select joining ``Asset``)."""
    if not scope.district:
        return stmt
    return stmt.join(Site, col(Site.id) == Asset.site_id).where(Site.district == scope.district)


def installations(session: Session, rules: Rules,
                  scope: Scope = EVERYWHERE) -> tuple[list[Install], int, int]:
    """Every classified package on every host in service; how many reported packages the
    rule file does not know; how many hosts reported software. Hosts share stored package
    lists (``inventory.software_sets``): the store counts each distinct (name, version)
    over the lists times their hosts, each is classified once, and only the lists' rows
    of classified packages are read, then applied to each list's hosts."""
    facts, item, sets = table_of(HostFacts), table_of(SoftwareSetItem), table_of(SoftwareSet)
    on_set: dict[int, list[tuple[int, str | None, str | None, str | None, int | None]]] = \
        defaultdict(list)
    hosts = 0  # with at least one package
    for set_id, packages, *host in session.execute(_scoped(
            sa_select(facts.c.software_set_id, sets.c.packages, col(Asset.id),
                      col(Asset.asset_tag), col(Asset.serial), col(Asset.hostname),
                      col(Asset.site_id))
            .join(Asset, col(Asset.id) == facts.c.asset_id)
            .join(sets, sets.c.id == facts.c.software_set_id)
            .where(col(Asset.status) != AssetStatus.RETIRED), scope)):
        on_set[set_id].append(tuple(host))
        hosts += packages > 0
    per_set = _scoped(sa_select(facts.c.software_set_id.label("set_id"),
                                func.count().label("n"))
                      .join(Asset, col(Asset.id) == facts.c.asset_id)
                      .where(col(Asset.status) != AssetStatus.RETIRED), scope
                      ).group_by(facts.c.software_set_id).subquery()
    known: dict[tuple[str, str], Match] = {}
    unknown = 0
    for name, version, n in session.execute(
            sa_select(item.c.name, item.c.version, func.sum(per_set.c.n))
            .join(per_set, per_set.c.set_id == item.c.set_id)
            .group_by(item.c.name, item.c.version)):
        match = classify(rules, name, version)
        if match is None:
            unknown += int(n)
        else:
            known[(name, version)] = match
    matched: dict[int, list[tuple[str, Match]]] = defaultdict(list)
    names = sorted({name for name, _v in known})
    for chunk in range(0, len(names), 500):
        for set_id, name, version in session.execute(  # columns, not ORM objects
                sa_select(item.c.set_id, item.c.name, item.c.version)
                .where(item.c.name.in_(names[chunk:chunk + 500]))):
            match = known.get((name, version))
            if match is not None and set_id in on_set:
                matched[set_id].append((name, match))
    sites = {s.id: s.name for s in session.exec(select(Site))}
    out: dict[tuple[int, str, str], Install] = {}
    for set_id, matches in matched.items():
        matches.sort(key=lambda m: m[0])
        for aid, tag, serial, hostname, site_id in on_set[set_id]:
            for name, match in matches:
                key = (aid, match.product, match.version)
                if key not in out:
                    out[key] = Install(aid, tag or serial or f"#{aid}", hostname or "",
                                       sites.get(site_id, ""), match.product, match.version,
                                       name, match.need)
    return sorted(out.values(), key=lambda i: (i.asset_id, i.product, i.version)), unknown, \
        hosts


def check(session: Session, rules: Rules, today: date, expiring_days: int = 60,
          scope: Scope = EVERYWHERE) -> Compliance:
    """The register against the installations (of ``scope``'s hosts: a liaison sees the
    district's installations, against the municipality's licences)."""
    installs, unknown, hosts = installations(session, rules, scope)
    result = Compliance(installs=installs, unknown_packages=unknown, hosts=hosts)
    licences = list(session.exec(select(Licence)))
    for lic in licences:
        if lic.expires_on is not None and (lic.expires_on - today).days <= expiring_days:
            result.expiring.append((lic, (lic.expires_on - today).days))
    result.expiring.sort(key=lambda x: x[1])
    valid = {lic.id: lic for lic in licences
             if lic.expires_on is None or lic.expires_on >= today}
    by_asset: dict[int, list[int]] = defaultdict(list)  # asset → licence ids assigned to it
    assigned: dict[int, int] = defaultdict(int)
    holders = {a.asset_id: a.person_id for a in session.exec(
        select(Assignment).where(col(Assignment.returned_at).is_(None)))}
    person_licences: dict[int, list[int]] = defaultdict(list)
    for row in session.exec(select(LicenceAssignment)):
        assigned[row.licence_id] += 1
        if row.asset_id:
            by_asset[row.asset_id].append(row.licence_id)
        elif row.person_id:
            person_licences[row.person_id].append(row.licence_id)
    for lic in licences:
        if assigned[lic.id or 0] > lic.seats:
            result.over_assigned.append((lic, assigned[lic.id or 0]))
    pool = {lid: max(lic.seats - assigned[lid or 0], 0) for lid, lic in valid.items()}
    for lic in valid.values():
        result.products.setdefault(lic.product, ProductCount(lic.product)).seats += lic.seats

    def fits(lid: int | None, inst: Install) -> bool:
        lic = valid.get(lid)
        return lic is not None and lic.product == inst.product and lic.version in ("", inst.version)

    left: list[Install] = []
    for inst in installs:
        if inst.need == Need.DENIED:
            result.denied.append(inst)
        if inst.need != Need.REQUIRED:
            continue
        result.products.setdefault(inst.product, ProductCount(inst.product)).installs += 1
        own = by_asset.get(inst.asset_id, []) + person_licences.get(
            holders.get(inst.asset_id) or 0, [])
        if not any(fits(lid, inst) for lid in own):
            left.append(inst)
    for inst in left:  # the pool: licences of this version first, then of any version
        choices = sorted((lid for lid in pool if pool[lid] and fits(lid, inst)),
                         key=lambda lid: (valid[lid].version == "", lid))
        if choices:
            pool[choices[0]] -= 1
        else:
            result.unlicensed.append(inst)
            result.products[inst.product].unlicensed += 1
    return result

