"""one history again: join the feature branches

Revision ID: 0600
Revises: 0100, 0200, 0300, 0400, 0500
Create Date: 2026-11-22 00:51:05.014752
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


import muniops.inventory.types

revision: str = '0600'
down_revision: str | Sequence[str] | None = ('0100', '0200', '0300', '0400', '0500')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
