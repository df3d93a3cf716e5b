"""one register of managed devices

``snmp_device`` becomes ``device`` (same ids, so SNMP events and device events keep
pointing at their device), with per-protocol roles: the SNMP columns are renamed
(``credential`` → ``snmp_credential``, now optional, ``port`` → ``snmp_port``, ``profile``
→ ``snmp_profile``), SSH and discovery-table columns are added. Config versions, backup
state, device facts, compliance results, sightings, forwarding and neighbour rows and
wireless links get a ``device_id`` foreign key, filled from the names they carry (their
name columns stay: history outlives a removed device). Devices still listed in a config
file (``playbooks.devices``, ``discovery.sites.*.snmp``) are not known here; the one-release
import (``muniops.inventory.devices.import_legacy``) registers them and attaches their rows
by name the same way.

Revision ID: 0700
Revises: 0610
Create Date: 2026-12-02 04:01:09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import muniops.inventory.types

revision: str = '0700'
down_revision: str | Sequence[str] | None = '0610'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> the column naming its device
NAMED = {'config_version': 'device', 'config_backup_state': 'device',
         'device_facts': 'device', 'compliance_result': 'device', 'mac_port': 'switch',
         'neighbour': 'device'}
KEPT = ('id', 'name', 'address', 'site_id', 'asset_id', 'enabled', 'max_repetitions', 'state',
        'state_reason', 'detected_profile', 'sys_uptime', 'facts', 'last_poll_at',
        'last_success_at', 'last_duration_s', 'last_pdus', 'last_retries', 'last_errors',
        'created_at')
RENAMED = {'credential': 'snmp_credential', 'port': 'snmp_port', 'profile': 'snmp_profile'}
EVENTS = ('snmp_event', 'device_event')  # point at the device row by id already


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _fk_column(batch: object, table: str, column: str = 'device_id') -> None:
    batch.add_column(sa.Column(column, sa.Integer(), nullable=True))  # type: ignore[attr-defined]
    batch.create_index(f'ix_{table}_{column}', [column], unique=False)  # type: ignore[attr-defined]
    batch.create_foreign_key(f'fk_{table}_{column}', 'device', [column], ['id'],  # type: ignore[attr-defined]
                             ondelete='SET NULL')


def _utc() -> sa.types.TypeEngine[object]:
    return muniops.inventory.types.UTCDateTime(timezone=True)


def _create_device() -> None:
    op.create_table(
        'device',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('address', sa.String(length=255), nullable=False),
        sa.Column('addresses', sa.JSON(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('asset_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('platform', sa.String(length=40), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('snmp_credential', sa.String(length=120), nullable=True),
        sa.Column('snmp_port', sa.Integer(), nullable=False),
        sa.Column('snmp_poll', sa.Boolean(), nullable=False),
        sa.Column('snmp_profile', sa.String(length=120), nullable=True),
        sa.Column('snmp_interval', sa.Integer(), nullable=True),
        sa.Column('ssh_credential', sa.String(length=120), nullable=True),
        sa.Column('ssh_port', sa.Integer(), nullable=False),
        sa.Column('ssh_playbooks', sa.JSON(), nullable=False),
        sa.Column('read_arp', sa.Boolean(), nullable=False),
        sa.Column('read_fdb', sa.Boolean(), nullable=False),
        sa.Column('read_neighbours', sa.Boolean(), nullable=False),
        sa.Column('max_repetitions', sa.Integer(), nullable=True),
        sa.Column('state', sa.Enum('unknown', 'up', 'partial', 'down', name='devicestate',
                                   native_enum=False, length=32), nullable=False),
        sa.Column('state_reason', sa.String(length=500), nullable=False),
        sa.Column('detected_profile', sa.String(length=120), nullable=True),
        sa.Column('sys_uptime', sa.BigInteger(), nullable=True),
        sa.Column('facts', sa.JSON(), nullable=True),
        sa.Column('last_poll_at', _utc(), nullable=True),
        sa.Column('last_success_at', _utc(), nullable=True),
        sa.Column('last_duration_s', sa.Float(), nullable=True),
        sa.Column('last_pdus', sa.Integer(), nullable=True),
        sa.Column('last_retries', sa.Integer(), nullable=True),
        sa.Column('last_errors', sa.Integer(), nullable=True),
        sa.Column('created_at', _utc(), nullable=False),
        sa.Column('updated_at', _utc(), nullable=False),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id']),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_index('ix_device_asset_id', 'device', ['asset_id'], unique=False)
    op.create_index('ix_device_site_id', 'device', ['site_id'], unique=False)


def _repoint_events(old: str, new: str) -> None:
    """Point snmp_event and device_event's device_id at ``new`` (same ids)."""
    for table in EVENTS:
        # SQLite's foreign keys have no name: the convention names the reflected one
        with op.batch_alter_table(table, naming_convention={
                'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s'}) as batch:
            if _sqlite():
                batch.drop_constraint(f'fk_{table}_device_id_{old}', type_='foreignkey')
            else:
                batch.drop_constraint(_pg_fk(table, old), type_='foreignkey')
            batch.create_foreign_key(f'fk_{table}_device_id_{new}', new, ['device_id'], ['id'])


def _pg_fk(table: str, referred: str) -> str:
    row = op.get_bind().execute(sa.text(
        "SELECT con.conname FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
        "JOIN pg_class r ON r.oid = con.confrelid WHERE con.contype = 'f' "
        "AND c.relname = :table AND r.relname = :referred"),
        {'table': table, 'referred': referred}).first()
    assert row is not None, f'{table} has no foreign key to {referred}'
    return str(row[0])


def upgrade() -> None:
    _create_device()
    old = ', '.join((*KEPT, *RENAMED))
    new = ', '.join((*KEPT, *RENAMED.values()))
    op.execute(f"INSERT INTO device ({new}, addresses, kind, platform, tags, snmp_poll, "
               "ssh_port, ssh_playbooks, read_arp, read_fdb, read_neighbours, updated_at) "
               f"SELECT {old}, '[]', '', '', '[]', true, 22, '[]', false, false, false, "
               "created_at FROM snmp_device")
    if not _sqlite():
        op.execute("SELECT setval(pg_get_serial_sequence('device', 'id'), "
                   "COALESCE(MAX(id), 0) + 1, false) FROM device")
    _repoint_events('snmp_device', 'device')
    op.drop_index('ix_snmp_device_asset_id', table_name='snmp_device')
    op.drop_index('ix_snmp_device_site_id', table_name='snmp_device')
    op.drop_table('snmp_device')

    for table, name_column in NAMED.items():
        with op.batch_alter_table(table) as batch:
            _fk_column(batch, table)
        op.execute(f'UPDATE {table} SET device_id = (SELECT device.id FROM device '
                   f'WHERE device.name = {table}.{name_column})')
    with op.batch_alter_table('sighting') as batch:
        _fk_column(batch, 'sighting')
    op.execute("UPDATE sighting SET device_id = (SELECT MIN(device.id) FROM device "
               "WHERE device.address = sighting.ip) WHERE sighting.ip <> ''")
    with op.batch_alter_table('wireless_link') as batch:
        _fk_column(batch, 'wireless_link', 'device_a_id')
        _fk_column(batch, 'wireless_link', 'device_b_id')
    op.execute('UPDATE wireless_link SET device_a_id = (SELECT device.id FROM device '
               'WHERE device.name = wireless_link.device_a), device_b_id = (SELECT device.id '
               'FROM device WHERE device.name = wireless_link.device_b)')


def downgrade() -> None:
    with op.batch_alter_table('wireless_link') as batch:
        for column in ('device_a_id', 'device_b_id'):
            batch.drop_constraint(f'fk_wireless_link_{column}', type_='foreignkey')
            batch.drop_index(f'ix_wireless_link_{column}')
            batch.drop_column(column)
    for table in (*NAMED, 'sighting'):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'fk_{table}_device_id', type_='foreignkey')
            batch.drop_index(f'ix_{table}_device_id')
            batch.drop_column('device_id')
    # a device without an SNMP role had no place in snmp_device; its events go with it
    op.execute('DELETE FROM snmp_event WHERE device_id IN '
               '(SELECT id FROM device WHERE snmp_credential IS NULL)')
    op.execute('UPDATE device_event SET device_id = NULL WHERE device_id IN '
               '(SELECT id FROM device WHERE snmp_credential IS NULL)')
    op.create_table(
        'snmp_device',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('address', sa.String(length=255), nullable=False),
        sa.Column('port', sa.Integer(), nullable=False),
        sa.Column('credential', sa.String(length=120), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('asset_id', sa.Integer(), nullable=True),
        sa.Column('profile', sa.String(length=120), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('max_repetitions', sa.Integer(), nullable=True),
        sa.Column('state', sa.Enum('unknown', 'up', 'partial', 'down', name='devicestate',
                                   native_enum=False, length=32), nullable=False),
        sa.Column('state_reason', sa.String(length=500), nullable=False),
        sa.Column('detected_profile', sa.String(length=120), nullable=True),
        sa.Column('sys_uptime', sa.BigInteger(), nullable=True),
        sa.Column('facts', sa.JSON(), nullable=True),
        sa.Column('last_poll_at', _utc(), nullable=True),
        sa.Column('last_success_at', _utc(), nullable=True),
        sa.Column('last_duration_s', sa.Float(), nullable=True),
        sa.Column('last_pdus', sa.Integer(), nullable=True),
        sa.Column('last_retries', sa.Integer(), nullable=True),
        sa.Column('last_errors', sa.Integer(), nullable=True),
        sa.Column('created_at', _utc(), nullable=False),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id']),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_index('ix_snmp_device_asset_id', 'snmp_device', ['asset_id'], unique=False)
    op.create_index('ix_snmp_device_site_id', 'snmp_device', ['site_id'], unique=False)
    old = ', '.join((*KEPT, *RENAMED))
    new = ', '.join((*KEPT, *RENAMED.values()))
    op.execute(f'INSERT INTO snmp_device ({old}) SELECT {new} FROM device '
               'WHERE snmp_credential IS NOT NULL')
    if not _sqlite():
        op.execute("SELECT setval(pg_get_serial_sequence('snmp_device', 'id'), "
                   "COALESCE(MAX(id), 0) + 1, false) FROM snmp_device")
    for table in EVENTS:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'fk_{table}_device_id_device', type_='foreignkey')
            batch.create_foreign_key(f'fk_{table}_device_id_snmp_device', 'snmp_device',
                                     ['device_id'], ['id'])
    op.drop_index('ix_device_asset_id', table_name='device')
    op.drop_index('ix_device_site_id', table_name='device')
    op.drop_table('device')
