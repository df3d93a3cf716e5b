"""agent host identity keys: a host enrolling again reuses its agent record

Revision ID: 1700
Revises: 0640
Create Date: 2026-12-02 01:27:38.910865
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


import muniops.inventory.types

revision: str = '1700'
down_revision: str | Sequence[str] | None = '0640'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('smbios_uuid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('machine_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_agent_machine_id'), ['machine_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_smbios_uuid'), ['smbios_uuid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_smbios_uuid'))
        batch_op.drop_index(batch_op.f('ix_agent_machine_id'))
        batch_op.drop_column('machine_id')
        batch_op.drop_column('smbios_uuid')
