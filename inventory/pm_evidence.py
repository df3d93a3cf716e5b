"""Evidence kept with a PM record: what the store knew about the asset at that moment.

For a PC or server that is its last agent report (disk fill, health, temperatures,
antivirus); for a network device its last SNMP health. Those facts are written by the
agent and SNMP features; where the store holds none for the asset, the evidence says so
plainly instead of being empty."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from muniops.inventory.models import Asset, AssetKind
from muniops.inventory.types import utcnow

HOST_KINDS = (AssetKind.PC, AssetKind.LAPTOP, AssetKind.SERVER)


def source_for(asset: Asset) -> str:
    return "agent" if asset.kind in HOST_KINDS else "snmp"


def capture(session: Session, asset: Asset) -> dict[str, Any]:
    """A JSON-safe snapshot of the asset's latest health facts, with where they came from."""
    source = source_for(asset)
    facts = _agent_facts(session, asset) if source == "agent" else _snmp_facts(session, asset)
    evidence: dict[str, Any] = {"source": source, "captured_at": utcnow().isoformat()}
    if facts is None:
        evidence["available"] = False
        evidence["reason"] = f"the store holds no {source} data for this asset"
    else:
        evidence["available"] = True
        evidence.update(facts)
    return evidence


def _agent_facts(session: Session, asset: Asset) -> dict[str, Any] | None:
    """The last agent report's health. No agent tables exist in the store yet."""
    return None


def _snmp_facts(session: Session, asset: Asset) -> dict[str, Any] | None:
    """The last SNMP health of a network device. No SNMP tables exist in the store yet."""
    return None
