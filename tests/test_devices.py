"""The device register's operations: import all-or-nothing, a retired asset's device left
alone by every job, a discovered device promoted, removal keeping history, and a
liaison confined to its district through ``/api/v1/devices``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.collector.ssh.runs import registered_devices
from muniops.inventory import assets, configs, devices, sites, tokens
from muniops.inventory.db import Database
from muniops.inventory.errors import ImportRejected
from muniops.inventory.models import Device, Role
from muniops.inventory.models.configs import ConfigVersion
from muniops.inventory.models.discovery import UnknownDevice, UnknownState
from muniops.inventory.schemas import AssetCreate, SiteCreate


def _sites(db: Database) -> None:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center"), actor="t")
        sites.add_site(s, SiteCreate(name="D2 Office", district="D2"), actor="t")


def test_import_is_all_or_nothing_and_idempotent(sqlite_db: Database, tmp_path: Path) -> None:
    _sites(sqlite_db)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,address,site,snmp_credential,ssh_credential,platform,tables\n"
                   "sw-1,10.0.0.1,City Hall,ro,,,arp\n"
                   "sw-2,10.0.0.2,Nowhere,ro,,,\n"             # no such site
                   "sw-3,10.0.0.3,City Hall,,ios,,\n"          # SSH without a platform
                   "sw-4,10.0.0.4,City Hall,,,,fdb\n"          # tables without SNMP
                   "sw-5,10.0.0.5,City Hall,ro,,,radio\n")     # no such table
    with pytest.raises(ImportRejected) as rejected, sqlite_db.write() as s:
        devices.import_devices(s, bad, actor="t", known=devices.Known(credentials={"ro", "ios"}))
    assert [e.line for e in rejected.value.errors] == [3, 4, 5, 6]
    reasons = [e.reason for e in rejected.value.errors]
    assert "site" in reasons[0] and "platform" in reasons[1] and "snmp_credential" in reasons[2]
    assert "radio" in reasons[3]
    with sqlite_db.read() as s:
        assert devices.list_devices(s) == []  # sw-1 was fine, and is not there either

    good = tmp_path / "good.csv"
    good.write_text("name,address,site,snmp_credential,ssh_credential,platform,tables,tags\n"
                    "sw-1,10.0.0.1,City Hall,ro,ios,cisco_ios,\"arp,fdb\",core;access\n"
                    "ups-1,10.0.0.9,D2 Office,ro,,,,\n")
    with sqlite_db.write() as s:
        first = devices.import_devices(s, good, actor="t")
    with sqlite_db.write() as s:
        again = devices.import_devices(s, good, actor="t")
    assert (first.created, again.created, again.unchanged) == (
        ["sw-1", "ups-1"], [], ["sw-1", "ups-1"])
    with sqlite_db.read() as s:
        sw = devices.get_device(s, "sw-1")
        assert (sw.tables, sw.tags, sw.ssh_credential, sw.polled) == (
            ["arp", "fdb"], ["core", "access"], "ios", True)


def test_a_retired_assets_device_is_neither_polled_nor_backed_up(sqlite_db: Database) -> None:
    _sites(sqlite_db)
    with sqlite_db.write() as s:
        asset = assets.add_asset(s, AssetCreate(kind="switch", asset_tag="SW-1",
                                                site="City Hall"), actor="t")
        for name in ("sw-old", "sw-new"):
            devices.add_device(s, devices.DeviceCreate(
                name=name, address="10.0.0.1", site="City Hall", snmp_credential="ro",
                ssh_credential="ios", platform="cisco_ios", tables=["fdb"],
                asset_tag="SW-1" if name == "sw-old" else None), actor="t")
    with sqlite_db.read() as s:
        assert [d.name for d in devices.polled(s)] == ["sw-new", "sw-old"]
    with sqlite_db.write() as s:
        assets.retire(s, s.get(type(asset), asset.id), actor="t")  # type: ignore[arg-type]
        devices.update_device(s, "sw-new", devices.DeviceFields(enabled=False), actor="t")
    with sqlite_db.read() as s:
        assert devices.polled(s) == devices.ssh_devices(s) == devices.table_sources(s) == []
    assert registered_devices(sqlite_db) == []


def test_promote_an_unknown_device_and_remove_keeps_history(sqlite_db: Database) -> None:
    _sites(sqlite_db)
    with sqlite_db.write() as s:
        s.add(UnknownDevice(mac="aa:bb:cc:dd:ee:ff", site="City Hall", ip="10.0.0.7"))
        configs.record_backup(s, "ap-7", "hostname ap-7\n", playbook="backup-config",
                              actor="t")  # recorded before it was registered
    with sqlite_db.write() as s:
        device = devices.promote(s, "AA:BB:CC:DD:EE:FF", "ap-7",
                                 devices.DeviceFields(kind="access_point"), actor="t")
        assert (device.address, devices.site_of(s, device).name) == (  # type: ignore[union-attr]
            "10.0.0.7", "City Hall")
    with sqlite_db.read() as s:
        unknown = s.exec(select(UnknownDevice)).one()
        assert unknown.state == UnknownState.REGISTERED and "ap-7" in unknown.note
        version = s.exec(select(ConfigVersion)).one()
        assert version.device_id == devices.get_device(s, "ap-7").id
        assert devices.detail(s, devices.get_device(s, "ap-7"))["backup"]["latest_version"] == 1
    with sqlite_db.write() as s:
        devices.remove_device(s, "ap-7", actor="t")
    with sqlite_db.read() as s:
        version = s.exec(select(ConfigVersion)).one()
        assert (version.device, version.device_id) == ("ap-7", None)
        assert s.exec(select(Device)).all() == []


@pytest.fixture
def api(db: Database) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    _sites(db)
    with db.write() as s:
        assets.add_asset(s, AssetCreate(kind="switch", asset_tag="C-1", site="City Hall"),
                         actor="t")
        for name, site in (("sw-center", "City Hall"), ("sw-d2", "D2 Office")):
            devices.add_device(s, devices.DeviceCreate(
                name=name, address="10.0.0.1", site=site, snmp_credential="ro",
                asset_tag="C-1" if name == "sw-d2" else None), actor="t")
        headers = {}
        for role, district in ((Role.ADMIN, None), (Role.VIEWER, None), (Role.LIAISON, "D2")):
            _, plain = tokens.create_token(s, role.value, role, actor="t", district=district)
            headers[role.value] = {"Authorization": f"Bearer {plain}"}
    with TestClient(Collector(Settings(database_url=db.url), db).app) as client:
        yield client, headers


def test_liaison_sees_and_changes_only_its_districts_devices(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    li, admin = h["liaison"], h["admin"]
    assert [d["name"] for d in client.get("/api/v1/devices", headers=admin).json()] == [
        "sw-center", "sw-d2"]
    assert [d["name"] for d in client.get("/api/v1/devices", headers=li).json()] == ["sw-d2"]
    assert client.get("/api/v1/devices/sw-center", headers=li).status_code == 404
    shown = client.get("/api/v1/devices/sw-d2", headers=li).json()
    assert shown["district"] == "D2" and shown["device"]["roles"] == "snmp"
    assert shown["asset"] is None  # linked to another district's asset: not shown to it
    assert client.get("/api/v1/devices/sw-d2", headers=admin).json()["asset"]["asset_tag"] \
        == "C-1"
    body = {"name": "sw-new", "address": "10.0.0.3", "site": "City Hall"}
    assert client.post("/api/v1/devices", json=body, headers=li).status_code == 403
    assert client.post("/api/v1/devices", json={**body, "site": "D2 Office"},
                       headers=li).status_code == 201
    assert client.post("/api/v1/devices", json=body, headers=h["viewer"]).status_code == 403
    moved = client.patch("/api/v1/devices/sw-d2", json={"site": "City Hall"}, headers=li)
    assert moved.status_code == 403
    assert client.patch("/api/v1/devices/sw-center", json={"kind": "router"},
                        headers=li).status_code == 404
    assert client.delete("/api/v1/devices/sw-center", headers=li).status_code == 404
    csv = "name,address,site\nsw-x,10.0.0.9,City Hall\n"
    refused = client.post("/api/v1/devices/import", content=csv, headers=li)
    assert refused.status_code == 422 and "line 2" in refused.text
    ok = client.post("/api/v1/devices/import", content=csv, headers=admin)
    assert ok.status_code == 200 and ok.json()["created"] == ["sw-x"]
    assert client.delete("/api/v1/devices/sw-d2", headers=li).status_code == 204
    assert client.get("/api/v1/devices/sw-center/links", headers=admin).json() == []


def test_cli_import_xlsx_promote_and_config_import(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    cli.ok("sites", "add", "City Hall")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for values in (("name", "address", "site", "snmp_credential", "tables"),
                   ("sw-1", "10.0.0.1", "City Hall", "ro", "arp"),
                   ("sw-2", "10.0.0.2", "City Hall", None, "fdb")):  # tables without SNMP
        sheet.append(values)
    book.save(tmp_path / "devices.xlsx")
    res = cli("devices", "import", str(tmp_path / "devices.xlsx"))
    assert res.code == 5 and "line 3" in res.err and "nothing imported" in res.err
    assert cli.ok("devices", "list", "--json").json() == []
    sheet.delete_rows(3)
    book.save(tmp_path / "devices.xlsx")
    cli.ok("devices", "import", str(tmp_path / "devices.xlsx"))
    (row,) = cli.ok("devices", "list", "--role", "discovery", "--json").json()  # type: ignore[misc]
    assert (row["name"], row["tables"], row["site"]) == ("sw-1", ["arp"], "City Hall")

    # the config still lists an SSH device: imported once, with a warning naming the key
    config = cli.config
    config.write_text(config.read_text() + "playbooks:\n  devices:\n"
                      "    - {name: sw-1, address: '10.0.0.1:2222', platform: cisco_ios,\n"
                      "       credential: ios, site: City Hall}\n")
    res = cli.ok("devices", "import-config")
    assert "playbooks.devices" in res.out and "deprecated" in res.out
    shown = cli.ok("devices", "show", "sw-1", "--json").json()
    assert shown["device"]["roles"] == "snmp,ssh,tables"  # type: ignore[index]  one record
    assert shown["device"]["ssh_port"] == 2222  # type: ignore[index]
    assert cli("devices", "promote", "aa:bb:cc:dd:ee:ff", "--name", "x").code == 3
