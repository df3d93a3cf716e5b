"""What the CLI and the API of the device register share: what the caller can check that
the store cannot (credential names, platforms), and a device's row as both show it."""

from __future__ import annotations

from typing import Any

from muniops.collector.core.credentials import CredentialStore
from muniops.collector.core.settings import Settings
from muniops.collector.ssh.platforms import platforms
from muniops.inventory.devices import Known
from muniops.inventory.models.devices import Device


def known(settings: Settings, *, profile: str | None = None) -> Known:
    """Credential names from the credentials file (no secret is read), the SSH
    platforms, and the SNMP profiles when one is named (reading them takes a moment);
    without a credentials file, credential names are not checked."""
    names = None
    if settings.credentials_file is not None:
        names = CredentialStore(settings.credentials_file).names()
    profiles = None
    if profile:
        from muniops.collector.snmp.profiles import ProfileSet
        from muniops.collector.snmp.runner import snmp_settings

        profiles = set(ProfileSet.load(snmp_settings(settings).all_profile_dirs()).by_name)
    return Known(credentials=names, platforms=set(platforms()), profiles=profiles)


def row(d: Device, sites: dict[int, str]) -> dict[str, Any]:
    """A device as a listing shows it: identity, roles, and its last SNMP poll."""
    roles = [r for r, on in (("snmp", d.polled), ("ssh", bool(d.ssh_credential)),
                             ("tables", bool(d.tables and d.snmp_credential))) if on]
    return {"name": d.name, "address": d.address, "site": sites.get(d.site_id or 0),
            "kind": d.kind, "platform": d.platform, "roles": ",".join(roles),
            "enabled": d.enabled, "tags": d.tags, "asset_id": d.asset_id,
            "snmp_credential": d.snmp_credential, "snmp_port": d.snmp_port,
            "snmp_profile": d.snmp_profile or d.detected_profile,
            "snmp_interval": d.snmp_interval, "ssh_credential": d.ssh_credential,
            "ssh_port": d.ssh_port, "ssh_playbooks": d.ssh_playbooks, "tables": d.tables,
            "state": d.state.value, "reason": d.state_reason, "last_poll": d.last_poll_at,
            "last_success": d.last_success_at, "errors": d.last_errors,
            "duration_s": (round(d.last_duration_s, 2) if d.last_duration_s is not None
                           else None), "pdus": d.last_pdus, "retries": d.last_retries,
            "sys_name": (d.facts or {}).get("sys_name")}
