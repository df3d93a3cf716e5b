"""alembic environment: the engine comes from muniops (``muniops init``) or, for developers
generating a revision, from ``MUNIOPS_DATABASE_URL``."""

import os

from alembic import context
from sqlmodel import SQLModel

from muniops.inventory.db import make_engine

config = context.config
engine = config.attributes.get("engine") or make_engine(
    os.environ.get("MUNIOPS_DATABASE_URL", "sqlite:///muniops-dev.db")
)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
