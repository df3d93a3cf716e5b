"""repairs and API tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:29:05.332278
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


import muniops.inventory.types

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('role', sa.Enum('viewer', 'liaison', 'technician', 'admin', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('created_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('repair_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('part', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('vendor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('vendor_reference', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('under_warranty', sa.Boolean(), nullable=False),
    sa.Column('sent_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('returned_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('repaired', 'replaced', 'refused', 'not_repairable', 'lost', name='repairoutcome', native_enum=False, length=32), nullable=True),
    sa.Column('outcome_note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('previous_status', sa.Enum('discovered', 'in_stock', 'deployed', 'in_repair', 'retired', name='assetstatus', native_enum=False, length=32), nullable=False),
    sa.Column('opened_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('repair_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_ticket_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_ticket_returned_at'), ['returned_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('repair_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_ticket_returned_at'))
        batch_op.drop_index(batch_op.f('ix_repair_ticket_asset_id'))

    op.drop_table('repair_ticket')
    op.drop_table('api_token')
