"""Evidence kept with a PM record: what the store knew about the asset at that moment.

For a PC or server that is its last agent report (disk fill, health, temperatures,
antivirus: ``host_facts``); for a network device its last SNMP poll (``device``) and
SSH health (``device_facts``). Where the store holds none for the asset, the evidence says
so plainly instead of being empty."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from muniops.inventory import backups
from muniops.inventory.backup_policy import BackupSettings
from muniops.inventory.models import Asset, AssetKind
from muniops.inventory.models.agents import HostFacts
from muniops.inventory.models.configs import DeviceFacts
from muniops.inventory.models.devices import Device
from muniops.inventory.types import utcnow

HOST_KINDS = (AssetKind.PC, AssetKind.LAPTOP, AssetKind.SERVER)


def source_for(asset: Asset) -> str:
    return "agent" if asset.kind in HOST_KINDS else "snmp"


def capture(session: Session, asset: Asset, backup_policy: BackupSettings | None = None
            ) -> dict[str, Any]:
    """A JSON-safe snapshot of the asset's latest health facts, with where they came from."""
    source = source_for(asset)
    facts = (_agent_facts(session, asset, backup_policy) if source == "agent"
             else _snmp_facts(session, asset))
    evidence: dict[str, Any] = {"source": source, "captured_at": utcnow().isoformat()}
    if facts is None:
        evidence["available"] = False
        evidence["reason"] = f"the store holds no {source} data for this asset"
    else:
        evidence["available"] = True
        evidence.update(facts)
    return evidence


def _agent_facts(session: Session, asset: Asset, backup_policy: BackupSettings | None
                 ) -> dict[str, Any] | None:
    """The last agent report: disk fill, health, temperatures (when the agent reports
    them) and antivirus state."""
    host = session.get(HostFacts, asset.id)
    if host is None:
        return None
    facts = host.facts or {}
    disks = [{"mountpoint": f.get("mountpoint"),
              "used_percent": round(100 * f["used_bytes"] / f["size_bytes"], 1)}
             for f in facts.get("filesystems") or [] if f.get("size_bytes")]
    antivirus = host.antivirus or {}
    return {
        "reported_at": host.reported_at.isoformat(),
        "disk_fill": disks,
        "health": host.health or facts.get("health"),
        "temperatures": facts.get("temperatures", "not reported by the agent"),
        "antivirus": {"state": antivirus.get("state"),
                      "products": [{k: p.get(k) for k in ("product", "enabled", "realtime",
                                                          "up_to_date", "signature_time")}
                                   for p in antivirus.get("products") or []],
                      "problems": antivirus.get("problems") or []},
        "hardware": host.hardware,
        "backups": backups.evidence(session, asset, backup_policy),
    }


def _snmp_facts(session: Session, asset: Asset) -> dict[str, Any] | None:
    """The last SNMP poll of a network device (state, uptime, facts) and, when the SSH
    playbooks collected it, the device's health."""
    device = session.exec(select(Device).where(Device.asset_id == asset.id)).first()
    ssh = session.exec(select(DeviceFacts).where(DeviceFacts.asset_id == asset.id)).first()
    if device is None and ssh is None:
        return None
    out: dict[str, Any] = {}
    if device is not None:
        out["snmp"] = {
            "device": device.name, "state": device.state.value, "reason": device.state_reason,
            "uptime_seconds": device.sys_uptime // 100 if device.sys_uptime else None,
            "last_success_at": (device.last_success_at.isoformat()
                                if device.last_success_at else None),
            "facts": device.facts or {},
        }
    if ssh is not None:
        out["ssh"] = {"device": ssh.device, "health": ssh.health or {},
                      "health_at": ssh.health_at.isoformat() if ssh.health_at else None,
                      "version": ssh.version, "uptime": ssh.uptime}
    return out
