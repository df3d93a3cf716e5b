"""more device kinds: firewall, wireless_controller, nas, pdu, nvr

The kinds the SNMP profiles name for what a device answers. ``asset.kind`` is a portable
VARCHAR(32) enum without a CHECK constraint, so the column keeps its type; the migration
records the new set of values (and a downgrade folds the new kinds into ``other`` so the
old code can read every row).

Revision ID: 0610
Revises: 0630
Create Date: 2026-12-02 01:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0610'
down_revision: str | Sequence[str] | None = '0630'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ('pc', 'laptop', 'server', 'switch', 'router', 'access_point', 'wireless_bridge',
       'printer', 'camera', 'ups', 'other')
NEW = ('firewall', 'wireless_controller', 'nas', 'pdu', 'nvr')


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name='assetkind', native_enum=False, length=32)


def upgrade() -> None:
    with op.batch_alter_table('asset') as batch:
        batch.alter_column('kind', existing_type=_kind(OLD), type_=_kind(OLD + NEW),
                           existing_nullable=False)


def downgrade() -> None:
    asset = sa.table('asset', sa.column('kind', sa.String(32)))
    op.execute(asset.update().where(asset.c.kind.in_(NEW)).values(kind='other'))
    with op.batch_alter_table('asset') as batch:
        batch.alter_column('kind', existing_type=_kind(OLD + NEW), type_=_kind(OLD),
                           existing_nullable=False)
