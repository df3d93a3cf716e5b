"""hosts' software as shared sets: software_set, software_set_item, host_facts.software_set_id

``host_software`` (~800 rows per host, rewritten per host) goes: each distinct package
list is stored once and hosts point at it (``inventory/software_sets.py``). Upgrading
groups each host's rows into its list, stores each distinct list once and points the host
at it; the host's ``software_digest`` is that list's digest, as ingest computes it. A host
that reported an empty list keeps it (an empty set). Downgrading writes each host's rows
back from its set.

Revision ID: 0760
Revises: 0750
Create Date: 2026-12-02 07:00:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0760'
down_revision: str | Sequence[str] | None = '0750'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTY = hashlib.sha256(b'').hexdigest()
CHUNK = 5000


def _package_columns() -> list[sa.Column[object]]:
    return [sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
            sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
            sa.Column('publisher', sqlmodel.sql.sqltypes.AutoString(length=200),
                      nullable=False)]


def _digest(packages: list[tuple[str, str, str]]) -> str:
    """As ``inventory.software_sets.digest`` computes it (kept here: a migration does not
    change when the code does)."""
    return hashlib.sha256('\x1e'.join(map('\x1f'.join, packages)).encode()).hexdigest()


def _chunks(rows: list[dict[str, object]]) -> Sequence[list[dict[str, object]]]:
    return [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]


def upgrade() -> None:
    sets = op.create_table(
        'software_set',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('packages', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('digest'),
    )
    items = op.create_table(
        'software_set_item',
        sa.Column('set_id', sa.Integer(), nullable=False),
        *_package_columns(),
        sa.ForeignKeyConstraint(['set_id'], ['software_set.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('set_id', 'name', 'version', 'publisher'),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('host_facts') as batch:
        batch.add_column(sa.Column('software_set_id', sa.Integer(),
                                   sa.ForeignKey('software_set.id',
                                                 name='fk_host_facts_software_set_id'),
                                   nullable=True))
        batch.create_index('ix_host_facts_software_set_id', ['software_set_id'], unique=False)
    conn = op.get_bind()
    lists: dict[int, set[tuple[str, str, str]]] = {}
    for asset_id, name, version, publisher in conn.execute(sa.text(
            'SELECT asset_id, name, version, publisher FROM host_software')):
        lists.setdefault(asset_id, set()).add((name, version, publisher))
    hosts = dict(conn.execute(sa.text('SELECT asset_id, software_digest FROM host_facts')).all())
    by_digest: dict[str, list[tuple[str, str, str]]] = {}
    host_digest: dict[int, str] = {}
    for asset_id, old in hosts.items():
        if asset_id in lists:
            packages = sorted(lists[asset_id])
            digest = _digest(packages)
        elif old:  # reported software, and the list was empty
            packages, digest = [], EMPTY
        else:
            continue  # never reported software
        by_digest.setdefault(digest, packages)
        host_digest[asset_id] = digest
    ids: dict[str, int] = {}
    for n, (digest, packages) in enumerate(sorted(by_digest.items()), start=1):
        ids[digest] = n
        conn.execute(sa.insert(sets).values(id=n, digest=digest, packages=len(packages)))
        rows: list[dict[str, object]] = [
            {'set_id': n, 'name': a, 'version': b, 'publisher': c} for a, b, c in packages]
        for chunk in _chunks(rows):
            conn.execute(sa.insert(items), chunk)
    if conn.dialect.name == 'postgresql' and ids:
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('software_set', 'id'), "
                             ":n)"), {'n': len(ids)})
    facts = sa.table('host_facts', sa.column('asset_id', sa.Integer),
                     sa.column('software_set_id', sa.Integer),
                     sa.column('software_digest', sa.String))
    updates: list[dict[str, object]] = [
        {'a': asset_id, 's': ids[d], 'd': d} for asset_id, d in host_digest.items()]
    for chunk in _chunks(updates):
        conn.execute(sa.update(facts).where(facts.c.asset_id == sa.bindparam('a'))
                     .values(software_set_id=sa.bindparam('s'),
                             software_digest=sa.bindparam('d')), chunk)
    op.drop_table('host_software')


def downgrade() -> None:
    op.create_table(
        'host_software',
        sa.Column('asset_id', sa.Integer(), nullable=False),
        *_package_columns(),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('asset_id', 'name', 'version', 'publisher'),
        sqlite_with_rowid=False,
    )
    op.execute('INSERT INTO host_software (asset_id, name, version, publisher) '
               'SELECT f.asset_id, i.name, i.version, i.publisher FROM host_facts f '
               'JOIN software_set_item i ON i.set_id = f.software_set_id')
    with op.batch_alter_table('host_facts') as batch:
        batch.drop_index('ix_host_facts_software_set_id')
        batch.drop_column('software_set_id')
    op.drop_table('software_set_item')
    op.drop_table('software_set')
