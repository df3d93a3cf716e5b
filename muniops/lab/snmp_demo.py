"""The demo's SNMP lab: snmpsim serving recordings of real devices (a Catalyst 9300, an
airMAX and a MikroTik 60 GHz bridge between City Hall and the library, an APC UPS, an HP
printer, a Cisco wireless controller, a Linux server) for the whole demo, registered as
devices the collector polls. Their communities go into the demo's credentials file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from muniops.collector.core.settings import load_settings
from muniops.collector.snmp.runner import SnmpRunner
from muniops.inventory import devices as register
from muniops.inventory.db import Database
from muniops.lab.snmpsim import running_snmpsim

log = logging.getLogger(__name__)

# device: (recording, site)
DEVICES = {
    "core-cityhall": ("iosxe_c9300", "City Hall"),
    "bridge-cityhall": ("airos_airos8", "City Hall"),
    "bridge-library": ("routeros_wifi", "Central Library"),
    "ups-cityhall": ("apc_smt750x-nmc2", "City Hall"),
    "printer-library": ("jetdirect_m252dw", "Central Library"),
    "wlc-cityhall": ("ciscowlc_cbw240ac", "City Hall"),
    "srv-waterworks": ("linux", "Water Works"),
}


def _write_credentials(path: Path) -> None:
    """Add one community per recording to the credentials file, keeping other entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (yaml.safe_load(path.read_text()) if path.exists() else {}) or {}
    for recording, _ in DEVICES.values():
        data[f"demo-snmp-{recording}"] = {"type": "snmp_v2c", "community": recording}
    path.write_text(yaml.safe_dump(data, sort_keys=True))
    path.chmod(0o600)


@contextmanager
def demo(config_path: Path) -> Iterator[None]:
    """Serve the recordings while the demo runs; register (or re-point) the devices."""
    settings = load_settings(config_path)
    if settings.credentials_file is None:
        raise RuntimeError(f"{config_path}: the demo needs credentials_file set")
    _write_credentials(settings.credentials_file)
    with running_snmpsim() as port:
        db = Database(settings.db_url)
        try:
            with db.write() as s:
                sites = set(register.site_names(s).values())
                for name, (recording, site) in DEVICES.items():
                    if register.find(s, name) is not None:  # a lab restart: a new port
                        register.update_device(s, name, register.DeviceFields(
                            address="127.0.0.1", snmp_port=port), actor="demo")
                        continue
                    register.add_device(s, register.DeviceCreate(
                        name=name, address="127.0.0.1", snmp_port=port,
                        snmp_credential=f"demo-snmp-{recording}",
                        site=site if site in sites else None), actor="demo")
            report = SnmpRunner(settings, db).run()  # the first poll, so there is data
            up = sum(r.state != "down" for r in report.results)
            print(f"snmp: {len(DEVICES)} devices on snmpsim 127.0.0.1:{port}, {up} answered "
                  "(muniops devices list, muniops links)")
        finally:
            db.dispose()
        yield
