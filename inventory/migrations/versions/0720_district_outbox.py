"""district collectors: their tokens, the applied-keys ledger of forwarded outbox items,
and device leases shared by the collectors of one LAN

Revision ID: 0720
Revises: 0730
Create Date: 2026-12-02 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import muniops.inventory.types

revision: str = '0720'
down_revision: str | Sequence[str] | None = '0730'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('device_lease',
    sa.Column('device', sa.String(length=160), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('acquired_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_slot', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('device')
    )
    with op.batch_alter_table('device_lease', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_lease_holder'), ['holder'], unique=False)

    op.create_table('district_collector',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('items_applied', sa.BigInteger(), nullable=False),
    sa.Column('revoked_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('district_collector', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_district_collector_site_id'), ['site_id'],
                              unique=False)

    op.create_table('district_applied',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('applied_at', muniops.inventory.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district_collector.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('district_applied', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_district_applied_district_id'), ['district_id'],
                              unique=False)



def downgrade() -> None:
    with op.batch_alter_table('district_applied', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_district_applied_district_id'))

    op.drop_table('district_applied')
    with op.batch_alter_table('district_collector', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_district_collector_site_id'))

    op.drop_table('district_collector')
    with op.batch_alter_table('device_lease', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_lease_holder'))

    op.drop_table('device_lease')
