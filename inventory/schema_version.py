"""Whether the store's schema is this code's, checked in a millisecond: every command that
uses the store asks, and alembic (with every migration module it imports to answer) costs
a quarter of a second. Upgrading stays alembic's work (``inventory/migrate.py``); this
only reads the revision ids its files declare and the store's ``alembic_version``."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

VERSIONS = Path(__file__).parent / "migrations" / "versions"


_ASSIGNED = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+)$", re.M)


def _declared(path: Path) -> tuple[str, set[str]]:
    """A migration file's revision and the revisions it follows, from the two module-level
    assignments alembic writes (read as text: parsing the whole module costs 10 ms)."""
    found = {name: ast.literal_eval(value.strip())
             for name, value in _ASSIGNED.findall(path.read_text(encoding="utf-8"))}
    down = found.get("down_revision")
    follows = set(down) if isinstance(down, tuple | list) else {down} - {None}
    return str(found.get("revision", "")), {str(d) for d in follows}


@cache
def head_revisions() -> frozenset[str]:
    revisions, followed = set(), set()
    for path in VERSIONS.glob("*.py"):
        revision, follows = _declared(path)
        revisions.add(revision)
        followed |= follows
    return frozenset(revisions - followed)


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return set()
        return {row[0] for row in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}


def is_up_to_date(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions()
