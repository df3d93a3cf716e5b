"""agent claims: cross-district claims refused at ingest, waiting for a technician

Revision ID: 0730
Revises: 0710
Create Date: 2026-12-02 04:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import muniops.inventory.types

revision: str = '0730'
down_revision: str | Sequence[str] | None = '0710'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agent_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('matched_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('first_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agent_id', 'asset_id', name='uq_agent_claim')
    )
    with op.batch_alter_table('agent_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_claim_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_claim_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_claim_state'), ['state'], unique=False)


def downgrade() -> None:
    op.drop_table('agent_claim')
