"""Profiles against snmpsim serving recordings of real devices: what each profile extracts
must be what the recording holds, and what LibreNMS's own tests expect from the same
recording (the oracle in muniops/lab/snmprec/*.json)."""

from __future__ import annotations

import asyncio

import pytest

from muniops.collector.snmp.poller import DeviceSpec, PollResult, number, poll_many
from muniops.collector.snmp.profiles import ProfileSet
from tests.snmp.conftest import expected, recording, sim_target

DEVICES = {  # recording: the kind its profiles must name
    "airos_airos8": "wireless_bridge", "apc_smt750x-nmc2": "ups",
    "ciscowlc_cbw240ac": "access_point", "hikvision-cam": "camera", "ios": "switch",
    "ios_2960x": "switch", "iosxe_c9300": "switch", "jetdirect_m252dw": "printer",
    "linux": "server", "pmp_450": "access_point", "routeros_wifi": "wireless_bridge",
}
# LibreNMS sensor units -> ours (base units, ratios instead of percent)
UNIT = {"power": 1, "noise-floor": 1, "rssi": 1, "ccq": 0.01, "frequency": 1e6,
        "distance": 1000, "rate": 0.125, "quality": 0.01, "charge": 0.01, "load": 0.01,
        "runtime": 60, "temperature": 1, "clients": 1, "ap-count": 1}


@pytest.fixture(scope="module")
def polled(sim_port: int, profiles: ProfileSet) -> dict[str, PollResult]:
    specs = [DeviceSpec(name, sim_target(sim_port, name, timeout=5, retries=1))
             for name in DEVICES]
    return {r.device: r for r in asyncio.run(poll_many(specs, profiles))}


def test_every_recording_polls_up_with_the_right_kind(polled: dict[str, PollResult]) -> None:
    for name, kind in DEVICES.items():
        res = polled[name]
        assert res.state == "up", (name, res.reason)
        assert res.kind == kind, (name, res.profiles)
        assert "generic" in res.profiles


def _tagged(tag: str, value: str) -> int | float | bytes | str | None:
    if tag in ("2", "65", "66", "67", "70"):
        return int(value)
    if tag == "4x":
        return bytes.fromhex(value)
    if tag == "4":  # a number sent as text ("0.15", "15 PERCENT") is read as that number
        return number(value.encode()) if number(value.encode()) is not None else value
    return value


def test_every_value_is_the_recordings(polled: dict[str, PollResult]) -> None:
    """Each reading's raw value is the one recorded at the OID it names."""
    checked = 0
    for name, res in polled.items():
        rec = recording(name)
        for r in res.readings:
            tag, value = rec[r.oid]
            recorded = _tagged(tag, value)
            if isinstance(recorded, bytes) and isinstance(r.raw, int):  # flags (BITS)
                recorded = int.from_bytes(recorded, "big")
            assert recorded == r.raw, (name, r.metric, r.oid)
            checked += 1
    assert checked > 2000


def test_interfaces_are_librenms_ports(polled: dict[str, PollResult]) -> None:
    for name, res in polled.items():
        ports = expected(name).get("ports", {}).get("discovery", {}).get("ports", [])
        theirs = {(p["ifIndex"], p["ifName"]) for p in ports}
        ours = {(int(r.labels["ifindex"]), r.labels["interface"]) for r in res.readings
                if r.metric == "muniops_snmp_interface_oper_status"}
        # LibreNMS leaves out some interfaces by name (its bad_if list); we read them all
        assert theirs <= ours, name
        recorded = {oid.rsplit(".", 1)[1] for oid in recording(name)
                    if oid.startswith("1.3.6.1.2.1.2.2.1.8.")}
        assert {str(i) for i, _ in ours} == recorded, name
        status = {(p["ifIndex"]): p["ifOperStatus"] for p in ports}
        for r in res.readings:
            if r.metric == "muniops_snmp_interface_oper_status" and int(
                    r.labels["ifindex"]) in status:
                assert (r.value == 1) == (status[int(r.labels["ifindex"])] == "up")


def _by_oid(res: PollResult) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for r in res.readings:
        out.setdefault(r.oid, []).append(r.value)
    return out


@pytest.mark.parametrize(("name", "classes"), [
    ("airos_airos8", {"power", "noise-floor", "ccq", "frequency", "distance", "rate", "rssi"}),
    ("routeros_wifi", {"frequency", "distance", "rate", "rssi", "quality"}),
    ("ciscowlc_cbw240ac", {"clients", "ap-count"}),
])
def test_wireless_values_are_librenms_sensors(polled: dict[str, PollResult], name: str,
                                              classes: set[str]) -> None:
    ours = _by_oid(polled[name])
    seen = set()
    for sensor in expected(name)["wireless"]["discovery"]["wireless_sensors"]:
        oids = [o.lstrip(".") for o in eval(sensor["sensor_oids"])]  # a JSON list of OIDs
        if len(oids) != 1 or oids[0] not in ours or sensor["sensor_class"] not in UNIT:
            continue
        # LibreNMS's fixtures hold some values scaled and some raw (divisor not applied)
        current = sensor["sensor_current"]
        wants = {current * UNIT[sensor["sensor_class"]],
                 current * sensor["sensor_multiplier"] / sensor["sensor_divisor"]
                 * UNIT[sensor["sensor_class"]]}
        assert any(v == pytest.approx(w, rel=1e-6) for v in ours[oids[0]] for w in wants), (
            name, sensor["sensor_descr"], ours[oids[0]], wants)
        seen.add(sensor["sensor_class"])
    assert seen >= classes


def test_ups_values_are_librenms_sensors(polled: dict[str, PollResult]) -> None:
    ours = _by_oid(polled["apc_smt750x-nmc2"])
    seen = set()
    for sensor in expected("apc_smt750x-nmc2")["sensors"]["discovery"]["sensors"]:
        oid = sensor["sensor_oid"].lstrip(".")
        unit = {**UNIT, "frequency": 1, "voltage": 1, "current": 1}  # sensors: Hz, V, A
        if oid in ours and sensor["sensor_class"] in unit:
            want = sensor["sensor_current"] * unit[sensor["sensor_class"]]
            assert ours[oid] == [pytest.approx(want, rel=1e-6)], sensor["sensor_descr"]
            seen.add(sensor["sensor_class"])
    assert seen >= {"charge", "runtime", "load", "temperature"}
    facts = polled["apc_smt750x-nmc2"].facts
    assert facts["serial"] == expected("apc_smt750x-nmc2")["os"]["discovery"]["devices"][0][
        "serial"]


def test_printer_supplies_are_librenms_supplies(polled: dict[str, PollResult]) -> None:
    res = polled["jetdirect_m252dw"]
    levels = {r.oid: r for r in res.readings
              if r.metric in ("muniops_snmp_printer_supply_level",
                              "muniops_snmp_printer_tray_level")}
    capacity = {r.oid: r.value for r in res.readings
                if r.metric in ("muniops_snmp_printer_supply_capacity",
                                "muniops_snmp_printer_tray_capacity")}
    supplies = expected("jetdirect_m252dw")["printer-supplies"]["discovery"]["printer_supplies"]
    assert len(supplies) == len([r for r in levels.values() if r.raw != -2])  # -2: unknown
    for supply in supplies:
        ours = levels[supply["supply_oid"].lstrip(".")]
        assert (ours.labels.get("supply_name") or ours.labels.get("tray_name")
                ) == supply["supply_descr"]
        assert capacity[supply["supply_capacity_oid"].lstrip(".")] == supply["supply_capacity"]
        if ours.raw == -3:  # "some left": LibreNMS shows it as 50 %
            assert supply["supply_current"] == 50
        else:
            assert round(ours.value / supply["supply_capacity"] * 100) == supply[
                "supply_current"]


def test_entity_serials_are_librenms_inventory(polled: dict[str, PollResult]) -> None:
    for name in ("ios_2960x", "iosxe_c9300", "ciscowlc_cbw240ac"):
        ents = expected(name)["entity-physical"]["discovery"]["entPhysical"]
        theirs = {e["entPhysicalSerialNum"] for e in ents if e["entPhysicalSerialNum"]}
        ours = {row["serial"] for row in polled[name].facts.get("entities", [])}
        assert ours == theirs, name
        chassis = expected(name)["os"]["discovery"]["devices"][0]["serial"]
        assert chassis in ours


@pytest.mark.parametrize("name", ["ios", "ios_2960x", "iosxe_c9300", "routeros_wifi",
                                  "apc_smt750x-nmc2"])
def test_software_version_is_librenms(polled: dict[str, PollResult], name: str) -> None:
    version = expected(name)["os"]["discovery"]["devices"][0]["version"]
    assert polled[name].facts["software_version"] in version


def test_cisco_cpu_and_memory_pools_are_librenms(polled: dict[str, PollResult]) -> None:
    ours = _by_oid(polled["ios_2960x"])
    data = expected("ios_2960x")
    for cpu in data["processors"]["discovery"]["processors"]:
        assert ours[cpu["processor_oid"].lstrip(".")] == [cpu["processor_usage"] / 100]
    pools = data["mempools"]["discovery"]["mempools"]
    for pool in pools:
        used_oid = pool["mempool_used_oid"].lstrip(".")
        assert ours[used_oid] == [pool["mempool_used"]]
        assert ours[used_oid.replace(".48.1.1.1.5.", ".48.1.1.1.6.")] == [pool["mempool_free"]]
    states = 0  # fans, power supplies, temperature sensors (CISCO-ENVMON-MIB)
    for sensor in data["sensors"]["discovery"]["sensors"]:
        oid = sensor["sensor_oid"].lstrip(".")
        if sensor["sensor_class"] == "state" and oid.startswith("1.3.6.1.4.1.9.9.13."):
            assert ours[oid] == [sensor["sensor_current"]], sensor["sensor_descr"]
            states += 1
    assert states == 9


def test_a_cycle_over_two_processes_reads_the_same(sim_port: int,
                                                   polled: dict[str, PollResult]) -> None:
    from muniops.collector.snmp.config import BUILTIN_PROFILES
    from muniops.collector.snmp.poller import poll_cycle

    names = ["airos_airos8", "apc_smt750x-nmc2", "jetdirect_m252dw", "linux"]
    specs = [DeviceSpec(n, sim_target(sim_port, n, timeout=5, retries=1)) for n in names]
    results = poll_cycle(specs, [BUILTIN_PROFILES], workers=2)
    assert [r.device for r in results] == names
    for res in results:
        assert res.state == "up"
        assert [(r.metric, r.labels, r.raw) for r in res.readings if r.type == "gauge"
                and "uptime" not in r.metric] == [
            (r.metric, r.labels, r.raw) for r in polled[res.device].readings
            if r.type == "gauge" and "uptime" not in r.metric]
