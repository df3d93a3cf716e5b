"""Import an existing asset list (CSV or XLSX, header row first).

Every row is validated before anything is written; then either all rows are applied in one
transaction or none is, and each rejected row is reported with its line number. Rows are
matched to the register by asset tag, then serial, so importing the same file twice
changes nothing the second time."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.assets import ASSET, label
from muniops.inventory.db import table_of
from muniops.inventory.errors import ImportRejected, InvalidInput, RowError
from muniops.inventory.models import (
    Asset,
    AssetMac,
    AssetStatus,
    Assignment,
    AuditEntry,
    Person,
    Site,
)
from muniops.inventory.schemas import AssetCreate, warranty_problem
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.types import utcnow

COLUMNS = (
    "asset_tag", "serial", "kind", "vendor", "model", "site", "mac", "hostname", "location",
    "purchase_date", "warranty_end", "assigned_to", "status", "purchase_cost",
    "economic_life_years", "notes",
)
ALIASES = {
    "tag": "asset_tag", "asset": "asset_tag", "serial_number": "serial", "type": "kind",
    "macs": "mac", "mac_address": "mac", "room": "location", "manufacturer": "vendor",
    "cost": "purchase_cost", "economic_life": "economic_life_years", "user": "assigned_to",
}
# C0 and C1 control characters (terminal escapes, NUL); notes may hold tabs and new lines
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# fields compared with the register when a row matches an existing asset
_COMPARED = ("asset_tag", "serial", "kind", "vendor", "model", "hostname", "location",
             "purchase_date", "purchase_cost", "warranty_end", "economic_life_years", "notes")


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    assigned: int = 0
    created_sites: list[str] = field(default_factory=list)
    created_people: list[str] = field(default_factory=list)
    dry_run: bool = False


@dataclass
class _Row:
    line: int
    data: AssetCreate
    assigned_to: str | None
    existing: Asset | None = None


def _header_name(raw: object) -> str:
    name = str(raw or "").strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(name, name)


def _cell(value: object) -> str | None:
    """Spreadsheet cells to text: dates to ISO, whole floats (Excel's 1001.0) to ``1001``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str | None]]]]:
    """The header and the (line number, cells) of every non-empty row of a CSV or XLSX."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    return _read_csv(path)


def _read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str | None]]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "file", f"{path.name} is not UTF-8 (byte {exc.start}); save it as 'CSV UTF-8'"
        ) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader, None)
    if not header:
        raise InvalidInput("file", f"{path.name} is empty: expected a header row")

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        for row in reader:
            if any(c.strip() for c in row):
                yield reader.line_num, [_cell(c) for c in row]

    return header, rows()


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str | None]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError variants
        raise InvalidInput("file", f"{path.name} is not a readable XLSX workbook: {exc}") from None
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    first = next(it, None)
    if not first:
        raise InvalidInput("file", f"{path.name}: the first sheet is empty")
    header = [str(c) if c is not None else "" for c in first]

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        for number, values in enumerate(it, start=2):
            cells = [_cell(v) for v in values]
            cells += [None] * (len(header) - len(cells))  # an empty cell is still a cell
            if any(cells):
                yield number, cells

    return header, rows()


def _columns(header: list[str]) -> list[str]:
    names = [_header_name(h) for h in header]
    while names and not names[-1]:
        names.pop()
    unknown = [h for h, n in zip(header, names, strict=False) if n not in COLUMNS]
    if unknown:
        raise InvalidInput("columns", f"unknown column {unknown[0]!r}; accepted columns: "
                           + ", ".join(COLUMNS))
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise InvalidInput("columns", f"column {n!r} appears twice")
        seen.add(n)
    if "kind" not in seen or not ({"asset_tag", "serial"} & seen):
        raise InvalidInput("columns", "the header needs 'kind' and 'asset_tag' or 'serial'")
    return names


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "row"
        where = "mac" if where == "macs" else where
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


class _Index:
    """The register held in memory for matching: tags, serials, MACs, sites, people."""

    def __init__(self, session: Session) -> None:
        assets = list(session.exec(select(Asset)))
        self.by_id = {a.id: a for a in assets}
        self.by_tag = {a.asset_tag: a for a in assets if a.asset_tag}
        self.by_serial = {a.serial: a for a in assets if a.serial}
        self.mac_owner = dict(session.exec(select(AssetMac.mac, AssetMac.asset_id)).all())
        self.macs: dict[int, list[str]] = {}
        for mac, asset_id in self.mac_owner.items():
            self.macs.setdefault(asset_id, []).append(mac)
        self.sites = {s.name: s for s in session.exec(select(Site))}
        self.people_by_eid = {p.employee_id: p for p in session.exec(select(Person))
                              if p.employee_id}
        self.people_by_name: dict[str, list[Person]] = {}
        for p in session.exec(select(Person)):
            self.people_by_name.setdefault(p.name, []).append(p)
        self.holder: dict[int, int] = dict(session.exec(
            select(Assignment.asset_id, Assignment.person_id)
            .where(col(Assignment.returned_at).is_(None))).all())

    def person(self, ref: str) -> Person | str | None:
        if ref in self.people_by_eid:
            return self.people_by_eid[ref]
        matches = self.people_by_name.get(ref, [])
        if len(matches) > 1:
            return f"{len(matches)} people are named {ref!r}; use the employee id"
        return matches[0] if matches else None


def import_assets(session: Session, path: Path, *, actor: str, create_missing: bool = False,
                  dry_run: bool = False, scope: Scope = EVERYWHERE) -> ImportResult:
    """Validate every row of ``path``, then apply them all in ``session``'s transaction.

    Raises InvalidInput for a bad file or header, ImportRejected listing every bad row."""
    header, table = read_table(path)
    names = _columns(header)
    index = _Index(session)
    errors: list[RowError] = []
    rows: list[_Row] = []
    first_line: dict[tuple[str, str], int] = {}
    new_sites: set[str] = set()
    new_people: set[str] = set()

    for line, cells in table:
        problem = _cells_problem(names, cells)
        if problem:
            errors.append(RowError(line, problem))
            continue
        values = {n: v for n, v in zip(names, cells, strict=False) if n and v is not None}
        assigned_to = values.pop("assigned_to", None)
        fields: dict[str, Any] = dict(values)
        if "mac" in fields:
            fields["macs"] = fields.pop("mac").replace(",", " ").replace(";", " ").split()
        try:
            data = AssetCreate(**fields)
        except ValidationError as exc:
            errors.append(RowError(line, _describe(exc)))
            continue
        problem = _check_row(index, data, assigned_to, line, first_line, create_missing,
                             new_sites, new_people, scope)
        if problem:
            errors.append(RowError(line, problem))
            continue
        rows.append(_Row(line, data, assigned_to, _match(index, data)))

    if errors:
        raise ImportRejected(path.name, errors)
    result = ImportResult(rows=len(rows), dry_run=dry_run,
                          created_sites=sorted(new_sites), created_people=sorted(new_people))
    _apply(session, index, rows, result, actor=actor, dry_run=dry_run)
    return result


def _cells_problem(names: list[str], cells: list[str | None]) -> str | None:
    """A row must have a cell for every column (an empty one is a cell), none past them,
    and no control character in any (a NUL, a terminal escape)."""
    if len(cells) < len(names) or any(cells[len(names):]):
        return f"{len(cells)} cells but the header has {len(names)}"
    for name, cell in zip(names, cells, strict=False):
        bad = (_CONTROL if name == "notes" else _CONTROL_OR_SPACE).search(cell or "")
        if bad:
            return f"{name}: control character U+{ord(bad.group()):04X} is not allowed"
    return None


def _match(index: _Index, data: AssetCreate) -> Asset | None:
    if data.asset_tag and data.asset_tag in index.by_tag:
        return index.by_tag[data.asset_tag]
    if data.serial and data.serial in index.by_serial:
        return index.by_serial[data.serial]
    return None


def _check_row(index: _Index, data: AssetCreate, assigned_to: str | None, line: int,
               first_line: dict[tuple[str, str], int], create_missing: bool,
               new_sites: set[str], new_people: set[str], scope: Scope) -> str | None:
    """Why this row cannot be imported, or None."""
    keys = [("asset_tag", data.asset_tag), ("serial", data.serial)]
    keys += [("mac", m) for m in data.macs or []]
    for kind, value in keys:
        if value is None:
            continue
        if (kind, value) in first_line:
            return f"{kind} {value!r} repeats line {first_line[(kind, value)]}"
    by_tag = index.by_tag.get(data.asset_tag) if data.asset_tag else None
    by_serial = index.by_serial.get(data.serial) if data.serial else None
    if by_tag and by_serial and by_tag.id != by_serial.id:
        return (f"asset_tag {data.asset_tag!r} is asset {_shown(index, by_tag, scope)} but "
                f"serial {data.serial!r} belongs to {_shown(index, by_serial, scope)}")
    if data.asset_tag and not by_tag and by_serial and by_serial.asset_tag:
        # a new tag on a registered serial: a typo or a relabelled asset, never a re-tag
        return (f"serial {data.serial!r} belongs to {_shown(index, by_serial, scope)}, "
                f"not to a new asset_tag {data.asset_tag!r}")
    target = by_tag or by_serial
    if target is not None and _shown(index, target, scope) == "another asset":
        key, value = ("asset_tag", data.asset_tag) if by_tag else ("serial", data.serial)
        return f"{key} {value!r} belongs to another asset"
    if target is not None and data.serial and not by_serial and target.serial:
        return (f"asset_tag {data.asset_tag!r} is registered with serial {target.serial!r}, "
                f"not {data.serial!r}")
    if target is not None and (problem := warranty_problem(
            data.purchase_date or target.purchase_date, data.warranty_end or target.warranty_end)):
        return problem
    for mac in data.macs or []:
        owner = index.mac_owner.get(mac)
        if owner is not None and (target is None or owner != target.id):
            other = index.by_id.get(owner)
            return f"mac {mac} already belongs to {_shown(index, other, scope)}"
    if data.site and data.site not in index.sites:
        if not create_missing:
            return f"site: {data.site!r} is not registered (add it, or import with create-missing)"
        if scope.is_limited:
            return f"site: {data.site!r} is not registered"
        new_sites.add(data.site)
    site = index.sites.get(data.site) if data.site else None
    if scope.is_limited and (site is None or site.district != scope.district):
        return f"site: {data.site!r} is outside district {scope.district!r}"
    if assigned_to:
        person = index.person(assigned_to)
        if isinstance(person, str):
            return f"assigned_to: {person}"
        if person is None:
            if not create_missing:
                return f"assigned_to: nobody named {assigned_to!r} is registered"
            new_people.add(assigned_to)
        if target is not None and target.status == AssetStatus.RETIRED:
            return f"assigned_to: asset {label(target)} is retired"
    for kind, value in keys:
        if value is not None:
            first_line[(kind, value)] = line
    return None


def _shown(index: _Index, asset: Asset | None, scope: Scope) -> str:
    """An asset as a message may name it: its label inside the caller's scope, "another
    asset" outside it (a liaison learns nothing of other districts' tags)."""
    if asset is None:
        return "another asset"
    site = next((s for s in index.sites.values() if s.id == asset.site_id), None)
    return f"asset {label(asset)}" if scope.covers(site) else "another asset"


def _snap(asset: Asset, macs: list[str]) -> dict[str, Any]:
    return audit.snapshot(asset, macs=sorted(macs))


def _apply(session: Session, index: _Index, rows: list[_Row], result: ImportResult, *,
           actor: str, dry_run: bool) -> None:
    for name in result.created_sites:
        site = Site(name=name)
        index.sites[name] = site
        if not dry_run:
            session.add(site)
    for name in result.created_people:
        person = Person(name=name)
        index.people_by_name[name] = [person]
        if not dry_run:
            session.add(person)
    if not dry_run:
        session.flush()
        for name in result.created_sites:
            audit.record(session, actor, "site.create", "site", index.sites[name].id,
                         after=audit.snapshot(index.sites[name]))
        for name in result.created_people:
            p = index.people_by_name[name][0]
            audit.record(session, actor, "person.create", "person", p.id, after=audit.snapshot(p))

    new_rows = [r for r in rows if r.existing is None]
    old_rows = [r for r in rows if r.existing is not None]
    for row in old_rows:
        _update_existing(session, index, row, result, actor=actor, dry_run=dry_run)
    result.created = len(new_rows)
    if dry_run:
        result.assigned = sum(1 for r in rows if r.assigned_to and _needs_assign(index, r))
        return
    _assign_rows(session, index, old_rows, result, actor)
    _insert_new(session, index, new_rows, result, actor)
    session.flush()


def _update_existing(session: Session, index: _Index, row: _Row, result: ImportResult, *,
                     actor: str, dry_run: bool) -> None:
    asset = row.existing
    assert asset is not None
    site = index.sites.get(row.data.site) if row.data.site else None
    fields = row.data.model_dump(include=set(_COMPARED), exclude_none=True)
    macs = index.macs.get(asset.id or 0, [])
    changes = {k: v for k, v in fields.items() if getattr(asset, k) != v}
    if site is not None and asset.site_id != site.id:
        changes["site_id"] = site.id
    new_macs = sorted(set(macs) | set(row.data.macs or []))
    if not changes and new_macs == sorted(macs):
        result.unchanged += 1
        return
    result.updated += 1
    if dry_run:
        return
    before = _snap(asset, macs)
    for k, v in changes.items():
        setattr(asset, k, v)
    asset.updated_at = utcnow()
    session.add_all(AssetMac(asset_id=asset.id or 0, mac=m) for m in set(new_macs) - set(macs))
    audit.record(session, actor, "asset.import", ASSET, asset.id, before=before,
                 after=_snap(asset, new_macs))


_NEW_ASSET_DEFAULTS = {"vendor": "", "model": "", "location": "", "notes": ""}


def _insert_new(session: Session, index: _Index, rows: list[_Row], result: ImportResult,
                actor: str) -> None:
    """Insert new assets in bulk (Core executemany: building 20,000 ORM objects would cost
    more than the whole insert), with their MACs, assignments and audit entries."""
    if not rows:
        return
    now = utcnow()
    values = []
    holders: list[int | None] = []
    for row in rows:
        site = index.sites.get(row.data.site) if row.data.site else None
        person = _person_for(index, row.assigned_to) if row.assigned_to else None
        status = row.data.status
        if person is not None and status in (AssetStatus.IN_STOCK, AssetStatus.DISCOVERED):
            status = AssetStatus.DEPLOYED
        fields = row.data.model_dump(include=set(_COMPARED))
        for key, default in _NEW_ASSET_DEFAULTS.items():
            if fields[key] is None:
                fields[key] = default
        values.append(fields | {"status": status, "site_id": site.id if site else None,
                                "created_at": now, "updated_at": now})
        holders.append(person.id if person else None)
    conn = session.connection()
    newest = conn.execute(sa.select(sa.func.max(col(Asset.id)))).scalar() or 0
    conn.execute(sa.insert(table_of(Asset)), values)
    id_of: dict[tuple[str | None, str | None], int | None] = {
        (tag, serial): asset_id for asset_id, tag, serial in conn.execute(
            sa.select(col(Asset.id), col(Asset.asset_tag), col(Asset.serial))
            .where(col(Asset.id) > newest))}
    ids = [id_of[(row.data.asset_tag, row.data.serial)] for row in rows]
    macs = [{"asset_id": i, "mac": m} for i, row in zip(ids, rows, strict=True)
            for m in row.data.macs or []]
    if macs:
        conn.execute(sa.insert(table_of(AssetMac)), macs)
    assignments = [{"asset_id": i, "person_id": p, "assigned_at": now, "note": "import"}
                   for i, p in zip(ids, holders, strict=True) if p is not None]
    if assignments:
        conn.execute(sa.insert(table_of(Assignment)), assignments)
    result.assigned += len(assignments)
    entries = []
    for asset_id, row, value in zip(ids, rows, values, strict=True):
        after = to_jsonable_python(value | {"id": asset_id, "macs": sorted(row.data.macs or [])})
        if row.assigned_to:
            after["assigned_to"] = row.assigned_to
        entries.append({"at": now, "actor": actor, "action": "asset.import", "entity": ASSET,
                        "entity_id": asset_id, "before": None, "after": after})
    conn.execute(sa.insert(table_of(AuditEntry)), entries)


def _person_for(index: _Index, ref: str) -> Person:
    found = index.person(ref)
    assert isinstance(found, Person)
    return found


def _needs_assign(index: _Index, row: _Row) -> bool:
    if row.existing is None or row.existing.id not in index.holder:
        return True
    found = index.person(row.assigned_to or "")
    return not isinstance(found, Person) or index.holder[row.existing.id] != found.id


def _assign_rows(session: Session, index: _Index, rows: list[_Row], result: ImportResult,
                 actor: str) -> None:
    """Hand registered assets to the person their row names, if that is someone new."""
    now = utcnow()
    for row in rows:
        if not row.assigned_to or row.existing is None or not _needs_assign(index, row):
            continue
        asset = row.existing
        person = _person_for(index, row.assigned_to)
        assert asset.id is not None and person.id is not None
        if asset.id in index.holder:
            session.exec(select(Assignment).where(
                Assignment.asset_id == asset.id, col(Assignment.returned_at).is_(None)
            )).one().returned_at = now
        session.add(Assignment(asset_id=asset.id, person_id=person.id, assigned_at=now,
                               note="import"))
        index.holder[asset.id] = person.id
        before_status = asset.status
        if asset.status in (AssetStatus.IN_STOCK, AssetStatus.DISCOVERED):
            asset.status = AssetStatus.DEPLOYED
        audit.record(session, actor, "asset.assign", ASSET, asset.id,
                     before={"status": before_status.value},
                     after={"status": asset.status.value, "assigned_to": person.name})
        result.assigned += 1
