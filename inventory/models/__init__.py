"""Every table of the store, each loaded when it is first named: ``from
muniops.inventory.models import Asset`` builds the register's tables, not all forty (a CLI
listing starts in half the time). The names and their modules are in ``__init__.pyi``.
Whatever needs every table on ``SQLModel.metadata`` (alembic) calls ``load_all()``."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)


def load_all() -> None:
    """Register every table on SQLModel.metadata, which alembic compares migrations against."""
    for name in __all__:
        __getattr__(name)
