"""Who may see what: an admin sees the whole city, a liaison only their district."""

from __future__ import annotations

from dataclasses import dataclass

from muniops.inventory.errors import AccessDenied
from muniops.inventory.models import Site


@dataclass(frozen=True)
class Scope:
    """``district=None`` is the whole municipality."""

    district: str | None = None

    @property
    def is_limited(self) -> bool:
        return self.district is not None

    def covers(self, site: Site | None) -> bool:
        return self.district is None or (site is not None and site.district == self.district)

    def require(self, site: Site | None, what: str) -> None:
        if not self.covers(site):
            where = f"site {site.name!r}" if site else "no site"
            raise AccessDenied(f"{what}: {where} is outside district {self.district!r}")


EVERYWHERE = Scope()
