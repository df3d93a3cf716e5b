"""MAC vendor lookup from the IEEE registry as Debian's ``ieee-data`` package ships it
(``/usr/share/ieee-data/{oui,mam,oui36,iab}.csv``): the longest assigned prefix wins."""

from __future__ import annotations

import csv
import logging
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

IEEE_DATA_DIR = Path("/usr/share/ieee-data")
# MA-L (24-bit), MA-M (28-bit), MA-S and IAB (36-bit) assignments
REGISTRY_FILES = ("oui.csv", "mam.csv", "oui36.csv", "iab.csv")


class OuiRegistry:
    """Prefix (upper-case hex, 6, 7 or 9 digits) → organisation name."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self._prefixes = prefixes
        self._lengths = sorted({len(p) for p in prefixes}, reverse=True)

    @classmethod
    def load(cls, directory: Path = IEEE_DATA_DIR) -> OuiRegistry:
        prefixes: dict[str, str] = {}
        for name in REGISTRY_FILES:
            path = directory / name
            if not path.exists():
                continue
            with path.open(encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    assignment = (row.get("Assignment") or "").strip().upper()
                    org = (row.get("Organization Name") or "").strip()
                    if assignment and org:
                        prefixes[assignment] = org
        if not prefixes:
            log.warning("no IEEE OUI registry under %s (Debian package ieee-data): "
                        "vendors will be blank", directory)
        return cls(prefixes)

    def __len__(self) -> int:
        return len(self._prefixes)

    def vendor(self, mac: str) -> str:
        """The organisation a MAC's prefix is assigned to, or "" (also for local MACs)."""
        digits = mac.replace(":", "").replace("-", "").replace(".", "").upper()
        for length in self._lengths:
            org = self._prefixes.get(digits[:length])
            if org is not None:
                return org
        return ""


@lru_cache(maxsize=4)
def registry(directory: Path = IEEE_DATA_DIR) -> OuiRegistry:
    """The registry of ``directory``, loaded once per process."""
    return OuiRegistry.load(directory)
