"""host_software keyed by (asset_id, name, version, publisher), without a rowid on SQLite

The surrogate ``id`` and both indexes (``asset_id``, ``name``) go: the key's b-tree holds
the rows, in host order, so storing a host's ~800 packages appends to one b-tree instead
of three. (Keeping ``name`` cost more than it saved: without a rowid, its entries carry
the whole key.) Readers by name group or classify every row, a scan either way. The
writer always stored a set of packages per host, so every row carries over under the
new key (``DISTINCT`` only folds rows that were never written twice).

Revision ID: 0750
Revises: 0720
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0750'
down_revision: str | Sequence[str] | None = '0720'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = 'asset_id, name, version, publisher'


def _columns() -> list[sa.Column[object]]:
    return [sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
            sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
            sa.Column('publisher', sqlmodel.sql.sqltypes.AutoString(length=200),
                      nullable=False)]


def _rename_pkey(old: str, new: str) -> None:
    """PostgreSQL names a key after the table it was made for; a rename keeps the name."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER INDEX {old} RENAME TO {new}')


def upgrade() -> None:
    op.create_table(
        'host_software_new',
        sa.Column('asset_id', sa.Integer(), nullable=False),
        *_columns(),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('asset_id', 'name', 'version', 'publisher'),
        sqlite_with_rowid=False,
    )
    op.execute(f'INSERT INTO host_software_new ({COLUMNS}) '
               f'SELECT DISTINCT {COLUMNS} FROM host_software')
    op.drop_index('ix_host_software_name', table_name='host_software')
    op.drop_index('ix_host_software_asset_id', table_name='host_software')
    op.drop_table('host_software')
    op.rename_table('host_software_new', 'host_software')
    _rename_pkey('host_software_new_pkey', 'host_software_pkey')


def downgrade() -> None:
    op.create_table(
        'host_software_old',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('asset_id', sa.Integer(), nullable=False),
        *_columns(),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute(f'INSERT INTO host_software_old ({COLUMNS}) '
               f'SELECT {COLUMNS} FROM host_software ORDER BY {COLUMNS}')
    op.drop_table('host_software')
    op.rename_table('host_software_old', 'host_software')
    _rename_pkey('host_software_old_pkey', 'host_software_pkey')
    op.create_index('ix_host_software_asset_id', 'host_software', ['asset_id'], unique=False)
    op.create_index('ix_host_software_name', 'host_software', ['name'], unique=False)
