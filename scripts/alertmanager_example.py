"""Write ``config/alertmanager/alertmanager.example.yml``: what ``muniops alerts config``
makes of ``config/muniops.example.yaml`` for a register with two districts' sites. Run
it after changing either; ``tests/events/test_rules.py`` fails when the file is stale."""

from __future__ import annotations

from pathlib import Path

from muniops.collector.core.settings import load_settings
from muniops.collector.events import alerts

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config" / "alertmanager" / "alertmanager.example.yml"
SITES = {"Central": ["City Hall", "Central Library"], "North": ["North Office"]}


def example() -> str:
    settings = load_settings(ROOT / "config" / "muniops.example.yaml")
    return alerts.render(alerts.alertmanager_config(settings.events.alerts, SITES))


if __name__ == "__main__":
    EXAMPLE.write_text(example(), encoding="utf-8")
    print(f"wrote {EXAMPLE}")
