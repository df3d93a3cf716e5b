"""The agent's parsers on recorded real outputs (dmidecode, wmic, regedit exports, mdatp,
bduitool): this machine has neither SMBIOS nor Windows, so these are the only checks of
the code that reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from muniops.agent.probes import dmi, linux_av, windows
from muniops.agent.probes.base import ProbeUnavailable

FIX = Path(__file__).parent / "fixtures"


def _wmi(name: str) -> list[dict[str, object]]:
    return windows.parse_wmic_list(windows.decode_text((FIX / "windows/wmi" / name).read_bytes()))


def _reg(name: str) -> dict[str, dict[str, object]]:
    raw = (FIX / "windows/registry" / name).read_bytes()
    return windows.parse_reg_export(windows.decode_text(raw))


@pytest.mark.parametrize(("recording", "expected"), [
    ("dell-r640", {"serial": "2RJF153", "smbios_uuid": "4C4C4544-0052-4A10-8046-B2C04F313533",
                   "manufacturer": "Dell Inc.", "model": "PowerEdge R640",
                   "chassis_type": "Rack Mount Chassis", "bios_version": "2.6.4",
                   "bios_date": "04/09/2020"}),
    ("lenovo-thinkpad", {"serial": "LR9NKZ7", "manufacturer": "LENOVO", "model": "1298A8G",
                         "chassis_type": "Notebook", "bios_version": "8NET32WW (1.16 )"}),
    ("hp-dl360-gen8", {"serial": "USE2236835", "model": "ProLiant DL360p Gen8",
                       "bios_vendor": "HP"}),
])
def test_identity_from_dmidecode(recording: str, expected: dict[str, str]) -> None:
    ident = dmi.identity_from_dmidecode((FIX / "dmidecode" / recording).read_text())
    assert {k: ident.get(k) for k in expected} == expected


def test_memory_modules_skip_empty_slots_and_keep_part_identity() -> None:
    dell = dmi.memory_modules((FIX / "dmidecode/dell-r640").read_text())
    assert len(dell) == 8  # 24 slots, 16 "No Module Installed"
    assert sum(m["size_bytes"] for m in dell) == 256 * 2**30
    assert dell[0] == {"slot": "A1", "size_bytes": 32 * 2**30, "type": "DDR4",
                       "form_factor": "DIMM", "speed_mts": 2933,
                       "manufacturer": "00CE00B300CE", "serial": "3780385B",
                       "part_number": "M393A4K40CB2-CVF"}
    hp = dmi.memory_modules((FIX / "dmidecode/hp-dl360-gen8").read_text())
    assert [m["size_bytes"] for m in hp] == [8192 * 2**20] * 8  # "Size: 8192 MB"
    hynix = dmi.memory_modules((FIX / "dmidecode/memory_hynix-kingmax").read_text())
    assert (hynix[0]["serial"], hynix[0]["speed_mts"], hynix[0]["form_factor"]) == \
        ("25477B84", 3200, "SODIMM")


def test_sysfs_identity_drops_placeholders(tmp_path: Path) -> None:
    values = {"product_uuid": "4c4c4544-0052-4a10-8046-b2c04f313533\n",
              "product_serial": "To Be Filled By O.E.M.\n", "sys_vendor": "Dell Inc.\n",
              "product_name": "PowerEdge R640\n", "chassis_type": "23\n",
              "bios_version": "2.6.4\n", "bios_date": "04/09/2020\n"}
    for name, value in values.items():
        (tmp_path / name).write_text(value)
    ident = dmi.read_sysfs(tmp_path)
    assert "serial" not in ident
    assert ident["chassis_type"] == "Rack Mount Chassis"
    assert ident["smbios_uuid"] == "4c4c4544-0052-4a10-8046-b2c04f313533"
    with pytest.raises(ProbeUnavailable, match="no SMBIOS"):
        dmi.read_sysfs(tmp_path / "missing")


def test_windows_hardware_from_wmic_recordings() -> None:
    src = windows.Recorded(classes={
        "Win32_Processor": _wmi("2019-amd-epyc-Win32_Processor.wmi"),
        "Win32_PhysicalMemory": _wmi("7-Win32_PhysicalMemory.wmi"),
        "Win32_DiskDrive": _wmi("latitude-7480-Win32_DiskDrive.wmi"),
        "Win32_OperatingSystem": _wmi("win7-sp1-x64-Win32_OperatingSystem.wmi"),
        "Win32_BIOS": _wmi("proxmox-Win32_Bios.wmi"),
        "Win32_ComputerSystem": _wmi("11-AzureAD-Win32_ComputerSystem.wmi"),
    })
    assert windows.cpu(src) == {"model": "AMD EPYC 7302 16-Core Processor", "sockets": 1,
                                "physical_cores": 2, "logical_cores": 4}
    mods = windows.memory_modules(src)
    assert [(m["slot"], m["size_bytes"], m["speed_mts"]) for m in mods] == \
        [("DIMM1", 2 * 2**30, 1600), ("DIMM3", 2 * 2**30, 1600)]
    assert mods[0]["serial"] is None  # "0000000" is a placeholder, not a serial
    (disk,) = windows.disks(src)
    assert (disk["model"], disk["size_bytes"]) == ("PC300 NVMe SK hynix 512GB", 512105932800)
    osi = windows.os_info(src)
    assert (osi["build"], osi["version"], osi["server"]) == ("7600", "6.1.7600", False)
    assert osi["last_boot"] == "2013-08-22T18:42:18+00:00"  # +120 minutes → UTC
    ident = windows.identity(src)
    assert ident["manufacturer"] == "LENOVO" and ident["model"] == "20TBS57S00"
    assert ident["bios_date"] == "2014-04-01T00:00:00+00:00"
    assert "serial" not in ident  # the Proxmox VM has an empty BIOS serial


def test_windows_processor_counts_sum_over_sockets() -> None:
    one = _wmi("7-Win32_Processor.wmi")
    src = windows.Recorded(classes={"Win32_Processor": one + one})
    assert windows.cpu(src)["physical_cores"] == 8 and windows.cpu(src)["sockets"] == 2


def test_uninstall_registry_export_russian_locale() -> None:
    keys = _reg("10_russian-Uninstall.reg")
    src = windows.Recorded(registry=keys)
    found = {s["name"]: s for s in windows.software(src)}
    crypto = found["КриптоПро CSP"]
    assert crypto["version"] == "5.0.12000" and crypto["publisher"] == "Компания КриптоПро"
    path = ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"
            "{50F91F80-D397-437C-B0C8-62128DE3B55E}")
    assert keys[path]["HelpLink"] == "https://support.cryptopro.ru/"  # hex(2) UTF-16 value
    assert keys[path]["VersionMajor"] == 5  # dword


def test_uninstall_export_skips_system_components_and_keeps_both_views() -> None:
    keys = _reg("mssql-Uninstall.reg")
    names = [s["name"] for s in windows.software(windows.Recorded(registry=keys))]
    assert "Git version 2.12.2.2" in names and "Mozilla Firefox 57.0.2 (fr)" in names
    base = "HKEY_LOCAL_MACHINE\\" + windows.UNINSTALL
    wow = "HKEY_LOCAL_MACHINE\\" + windows.UNINSTALL_32
    extra = {
        base + "\\{hidden}": {"DisplayName": "Driver Helper", "SystemComponent": 1},
        base + "\\KB123": {"DisplayName": "Update for Office", "ParentKeyName": "Office"},
        wow + "\\7-Zip": {"DisplayName": "7-Zip 19.00", "DisplayVersion": "19.00"},
    }
    listed = {s["name"]: s for s in windows.software(windows.Recorded(registry=keys | extra))}
    assert "Driver Helper" not in listed and "Update for Office" not in listed
    assert listed["7-Zip 19.00"]["arch"] == "x86"
    assert listed["Git version 2.12.2.2"]["arch"] == "x64"


@pytest.mark.parametrize(("state", "enabled", "current"), [
    (0x061100, True, True), (0x060110, False, False), (0x051000, True, True),
    (0x041010, True, False), (0x060100, False, True), (0x262010, False, False),
])
def test_security_center_product_state(state: int, enabled: bool, current: bool) -> None:
    decoded = windows.decode_product_state(state)
    assert (decoded["enabled"], decoded["realtime"], decoded["up_to_date"]) == \
        (enabled, enabled, current)


DEFENDER = {  # the fields MSFT_MpComputerStatus has (Get-MpComputerStatus | ConvertTo-Json)
    "AMServiceEnabled": True, "AntivirusEnabled": True, "RealTimeProtectionEnabled": True,
    "AMProductVersion": "4.18.23080.2006", "AMEngineVersion": "1.1.23080.2005",
    "AntivirusSignatureVersion": "1.397.1012.0", "AntivirusSignatureAge": 0,
    "AntivirusSignatureLastUpdated": "/Date(1693555200000)/", "AMRunningMode": "Normal",
}


def test_workstation_antivirus_merges_security_center_and_defender() -> None:
    src = windows.Recorded(classes={
        "AntiVirusProduct": windows.parse_cim_json(json.dumps(
            [{"displayName": "Windows Defender", "productState": 397568,
              "timestamp": "Fri, 01 Sep 2023 08:00:00 GMT"}])),
        "MSFT_MpComputerStatus": [DEFENDER],
    })
    av = windows.antivirus(src)
    assert av["state"] == "found" and av["security_center"] == "available"
    (product,) = av["products"]
    assert product["product_state"] == "0x061100" and product["enabled"] is True
    assert product["signature_version"] == "1.397.1012.0"
    assert product["signature_time"] == "2023-09-01T08:00:00+00:00"


def test_server_without_security_center_says_unknown_not_none() -> None:
    server = windows.Recorded(missing_namespaces={windows.SECURITY_CENTER_NS,
                                                  windows.DEFENDER_NS})
    av = windows.antivirus(server)
    assert av["state"] == "unknown" and av["security_center"] == "absent"
    with_defender = windows.Recorded(missing_namespaces={windows.SECURITY_CENTER_NS},
                                     classes={"MSFT_MpComputerStatus": [DEFENDER]})
    found = windows.antivirus(with_defender)
    assert found["state"] == "found" and found["products"][0]["source"] == "defender"
    workstation = windows.Recorded()
    assert windows.antivirus(workstation)["state"] == "none"


def test_vendor_products_by_service_and_registry() -> None:
    hklm = "HKEY_LOCAL_MACHINE\\"
    src = windows.Recorded(
        registry={
            hklm + r"SOFTWARE\ESET\ESET Security\CurrentVersion\Info": {
                "ProductName": "ESET Endpoint Antivirus", "ProductVersion": "10.1.2046.0",
                "ScannerVersion": "27812 (20230830)"},
            hklm + r"SOFTWARE\WOW6432Node\KasperskyLab\protected\KES\Data": {
                "LastSuccessfulUpdate": 1693555200},
        },
        running={"ekrn": "Running", "AVP": "Stopped"},
        missing_namespaces={windows.SECURITY_CENTER_NS})
    products = {p["product"]: p for p in windows.antivirus(src)["products"]}
    assert products["ESET"]["signature_time"] == "2023-08-30T00:00:00+00:00"
    assert products["ESET"]["enabled"] is True
    assert products["Kaspersky"]["signature_time"] == "2023-09-01T08:00:00+00:00"
    assert products["Kaspersky"]["enabled"] is False
    assert "McAfee" not in products


def test_wmi_time_formats() -> None:
    assert windows.wmi_time("20130822204218.500000+120") == "2013-08-22T18:42:18+00:00"
    assert windows.wmi_time("/Date(1691587153787)/") == "2023-08-09T13:19:13+00:00"
    assert windows.wmi_time("2023-08-09T15:19:13.787+02:00") == "2023-08-09T13:19:13+00:00"
    assert windows.wmi_time("") is None


def test_linux_defender_and_bitdefender_recordings() -> None:
    mdatp = linux_av.parse_mdatp_health(
        (FIX / "linux-antivirus/defender-101.23062.0010.json").read_text())
    assert mdatp["signature_version"] == "1.395.30.0"
    assert mdatp["signature_time"] == "2023-08-09T13:19:13+00:00"
    assert mdatp["realtime"] is False and mdatp["up_to_date"] is True
    assert mdatp["enabled"] is False  # passive mode: installed, not protecting
    bd = linux_av.parse_bduitool((FIX / "linux-antivirus/bduitool-7.0.3.2239").read_text())
    assert bd["signature_time"] == "2023-08-24T09:44:37+00:00"  # GMT+2
    assert bd["enabled"] is True and bd["up_to_date"] is True
    with pytest.raises(ValueError):
        linux_av.parse_mdatp_health((FIX / "linux-antivirus/not-expected-output.json").read_text())


def test_windows_local_accounts_from_wmic_recording() -> None:
    src = windows.Recorded(classes={
        "Win32_UserAccount": _wmi("10-StandAlone-Win32_UserAccount.wmi")})
    users = {u["name"]: u for u in windows.local_users(src)}
    assert users["Administrateur"]["sid"].endswith("-500")
    assert users["Administrateur"]["disabled"] is True and "Invité" in users


def test_windows_firewall_profiles() -> None:
    profiles = [{"Name": "Domain", "Enabled": True}, {"Name": "Private", "Enabled": True},
                {"Name": "Public", "Enabled": False}]
    fw = windows.firewall(windows.Recorded(classes={"MSFT_NetFirewallProfile": profiles}))
    assert fw == {"status": "off", "sources": {"Domain": True, "Private": True, "Public": False}}
    with pytest.raises(ProbeUnavailable):
        windows.firewall(windows.Recorded())
