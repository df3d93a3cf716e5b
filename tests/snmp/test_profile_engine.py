"""The profile engine's value rules, each on a small table as an agent would send it:
enumerations become a ``state`` label, ENTITY-SENSOR scale and precision, rows chosen by
``where``, other rows subtracted (memory without buffers and cache), ratios of two
columns with the Printer-MIB's special levels as states, hex-dump names, dBm from µW,
product names by sysObjectID, and what a bad profile is told."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from muniops.collector.snmp.poller import SYS_OBJECT_ID, Reading, extract, number, unhex
from muniops.collector.snmp.profiles import Profile, ProfileError, ProfileSet
from muniops.collector.snmp.session import SnmpValue

Walk = dict[str, list[tuple[str, SnmpValue]]]


def _profile(text: str) -> Profile:
    return Profile.model_validate(yaml.safe_load(text))


def _read(profile: Profile, walked: Walk, scalars: dict[str, SnmpValue] | None = None
          ) -> list[Reading]:
    return extract([profile], scalars or {}, walked)[0]


def _col(oid: str, rows: dict[str, SnmpValue]) -> dict[str, list[tuple[str, SnmpValue]]]:
    return {oid: [(f"{oid}.{i}", v) for i, v in rows.items()]}


def test_an_enumeration_is_a_state_label_and_unknown_codes_are_named() -> None:
    p = _profile("""
name: t
tables:
  - name: fans
    index: [fan]
    labels: {sensor_name: 1.2.2}
    metrics:
      - {name: muniops_snmp_environment_state, oid: 1.2.3, help: state of a fan,
         states: {1: ok, 4: failed}, labels: {component: fan}}
""")
    got = _read(p, {**_col("1.2.2", {"1": b"Fan 1", "2": b"Fan 2", "3": b"Fan 3"}),
                    **_col("1.2.3", {"1": 1, "2": 4, "3": 9})})
    assert {(r.labels["sensor_name"], r.labels["state"], r.value) for r in got} == {
        ("Fan 1", "ok", 1), ("Fan 2", "failed", 4), ("Fan 3", "unknown_9", 9)}
    assert all(r.labels["component"] == "fan" for r in got)


def test_entity_sensor_scale_precision_and_type_selection() -> None:
    base = "1.3.6.1.2.1.99.1.1.1"
    p = _profile(f"""
name: t
tables:
  - name: volts
    index: [entity]
    where: {{{base}.1: "3|4"}}
    metrics:
      - {{name: muniops_snmp_voltage_volts, oid: {base}.4, help: a voltage,
         exponent_from: {base}.2, exponents: {{8: -3, 9: 0}}, precision_from: {base}.3}}
""")
    walked = {**_col(f"{base}.1", {"1": 4, "2": 4, "3": 8}),   # voltsDC, voltsDC, celsius
              **_col(f"{base}.2", {"1": 8, "2": 9, "3": 9}),   # milli, units, units
              **_col(f"{base}.3", {"1": 0, "2": 2, "3": 1}),
              **_col(f"{base}.4", {"1": 3300, "2": 1205, "3": 345})}
    got = {r.labels["entity"]: r.value for r in _read(p, walked)}
    assert got == {"1": 3.3, "2": 12.05}  # the celsius row is not a voltage


def test_memory_in_use_leaves_out_buffers_and_cache_rows() -> None:
    p = _profile("""
name: t
tables:
  - name: mem
    index: [storage]
    where: {1.1.2: "ram"}
    labels: {pool_name: 1.1.3}
    metrics:
      - name: muniops_snmp_memory_used_bytes
        oid: 1.1.6
        multiply_by: 1.1.4
        minus_rows: {by: 1.1.3, pattern: "Memory buffers|Cached memory"}
        help: memory in use
""")
    walked = {**_col("1.1.2", {"1": b"ram", "6": b"other", "7": b"other", "8": b"other"}),
              **_col("1.1.3", {"1": b"Physical memory", "6": b"Memory buffers",
                               "7": b"Cached memory", "8": b"Shared memory"}),
              **_col("1.1.4", {"1": 1024, "6": 1024, "7": 1024, "8": 1024}),
              **_col("1.1.6", {"1": 1626816, "6": 89044, "7": 1078996, "8": 300000})}
    (used,) = _read(p, walked)
    assert used.value == (1626816 - 89044 - 1078996) * 1024
    assert used.labels["pool_name"] == "Physical memory"


def test_printer_levels_are_ratios_and_special_levels_are_states_never_percentages() -> None:
    ps = ProfileSet.load([Path(__file__).parents[2] / "config" / "snmp" / "profiles"])
    printer = ps.by_name["printer"]
    level, cap, name = "1.3.6.1.2.1.43.11.1.1.9", "1.3.6.1.2.1.43.11.1.1.8", \
        "1.3.6.1.2.1.43.11.1.1.6"
    walked = {**_col(name, {"1.1": b"Black Toner", "1.2": b"42 6C 75 65 20 44 72 75 6D",
                            "1.3": b"Waste"}),
              **_col(cap, {"1.1": 200, "1.2": 100, "1.3": -2}),
              **_col(level, {"1.1": 50, "1.2": -3, "1.3": -2})}
    got = _read(printer, walked)
    ratios = {r.labels["supply_name"]: r.value for r in got
              if r.metric == "muniops_snmp_printer_supply_ratio"}
    states = {r.labels["supply_name"]: r.labels["state"] for r in got
              if r.metric == "muniops_snmp_printer_supply_state"}
    assert ratios == {"Black Toner": 0.25}
    assert states == {"Blue Drum": "some_remaining", "Waste": "unknown"}


def test_hex_dumps_and_numbers_with_units() -> None:
    assert unhex("42 6C 61 63 6B") == "Black"
    assert unhex("00:11:22:33:44:55") == "00:11:22:33:44:55"  # binary stays as it was
    assert unhex("Cyan") == "Cyan"
    assert (number(b"15 PERCENT"), number(b"512 MB"), number(b"-2.5")) == (15, 512, -2.5)
    assert number(b"v1.2.3") is None and number(b"") is None


def test_optical_power_in_microwatts_is_shown_in_dbm() -> None:
    p = _profile("""
name: t
tables:
  - name: optics
    index: [port]
    metrics:
      - {name: muniops_snmp_optical_power_dbm, oid: 1.5.1, scale: 0.001, to_dbm: true,
         help: optical power}
""")
    got = {r.labels["port"]: r.value for r in _read(p, _col("1.5.1", {"1": 1000, "2": 536,
                                                                     "3": 0}))}
    assert got["1"] == 0.0 and got["2"] == pytest.approx(-2.7083521, abs=1e-6)
    assert "3" not in got  # no light is no value, not -inf


def test_product_names_name_the_model_only_when_nothing_else_does(tmp_path: Path) -> None:
    (tmp_path / "products").mkdir()
    (tmp_path / "products" / "acme.yaml").write_text("prefix: 1.3.6.1.4.1.99999.1\n"
                                                     "names: {7: acmeSwitch7}\n")
    (tmp_path / "acme.yaml").write_text("name: acme\nkind: switch\nproducts: products/acme.yaml\n"
                                        "match: {sys_object_id: [1.3.6.1.4.1.99999]}\n")
    acme = ProfileSet.load([tmp_path]).by_name["acme"]
    facts = extract([acme], {SYS_OBJECT_ID: "1.3.6.1.4.1.99999.1.7"}, {})[1]
    assert facts["model"] == "acmeSwitch7"
    (tmp_path / "products" / "acme.yaml").write_text("names: [1, 2]\n")
    with pytest.raises(ProfileError, match="products file"):
        ProfileSet.load([tmp_path])


def test_bad_state_names_and_reserved_labels_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("""
name: bad
scalars:
  - {name: muniops_snmp_x, oid: 1.2.3, help: a value, states: {1: Not Ok}}
""")
    with pytest.raises(ProfileError, match=r"bad.yaml.*\n.*states.*snake_case"):
        ProfileSet.load([tmp_path])
    (tmp_path / "bad.yaml").write_text("""
name: bad
scalars:
  - {name: muniops_snmp_x, oid: 1.2.3, help: a value, labels: {state: x}}
""")
    with pytest.raises(ProfileError, match="reserved label"):
        ProfileSet.load([tmp_path])


def test_requires_and_excludes_make_the_kind_follow_what_answers() -> None:
    from muniops.collector.snmp.config import BUILTIN_PROFILES
    from muniops.collector.snmp.profiles import Identity

    ps = ProfileSet.load([BUILTIN_PROFILES])
    router = ps.match(Identity("1.3.6.1.4.1.14988.1", "RouterOS RB2011iL", frozenset()))
    bridge = ps.match(Identity("1.3.6.1.4.1.14988.1", "RouterOS RBLHG",
                               frozenset({"1.3.6.1.4.1.14988.1.1.1.2.1.3"})))
    assert next(p.kind for p in router if p.kind) == "router"
    assert next(p.kind for p in bridge if p.kind) == "wireless_bridge"
    switch = ps.match(Identity("1.3.6.1.4.1.41112", "USW-24, firmware 6.0.1", frozenset()))
    ap = ps.match(Identity("1.3.6.1.4.1.41112", "USW-Lite?",
                           frozenset({"1.3.6.1.4.1.41112.1.6.3.3"})))
    assert next(p.kind for p in switch if p.kind) == "switch"
    asa = ps.match(Identity("1.3.6.1.4.1.9.1.2114", "Cisco Adaptive Security Appliance",
                            frozenset({"1.3.6.1.4.1.9.9.147.1.2.2.2.1.5"})))
    assert next(p.kind for p in asa if p.kind) == "firewall"
    assert "cisco-ios" in [p.name for p in asa]  # CPU and memory still come from IOS MIBs
    assert "ubiquiti-edgeswitch" not in [p.name for p in ap]


def test_a_kind_must_be_an_asset_kind(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: bad\nkind: toaster\n")
    with pytest.raises(ProfileError, match=r"bad.yaml.*\n.*kind.*not an asset kind"):
        ProfileSet.load([tmp_path])


def test_an_80211_channel_is_shown_as_its_frequency() -> None:
    from muniops.collector.snmp.poller import channel_mhz

    assert [channel_mhz(c) for c in (1, 6, 13, 14, 36, 124, 165, 0, 200)] == [
        2412, 2437, 2472, 2484, 5180, 5620, 5825, None, None]


def test_flags_and_string_indexes() -> None:
    from muniops.collector.snmp.poller import index_text

    assert index_text("6.87.73.70.73.79.71") == "WIFIOG"
    assert index_text("1.2") == "1.2" and index_text("3.65.66") == "3.65.66"
    p = _profile("""
name: t
tables:
  - name: errors
    index: [dev]
    metrics:
      - {name: muniops_snmp_printer_error_state, oid: 1.2.5, octets_as_integer: true,
         states: {0: no_error, 128: low_paper}, help: printer errors}
""")
    got = {r.labels["dev"]: r.labels["state"] for r in _read(p, _col("1.2.5", {
        "1": b"\x00", "2": b"\x80", "3": b"\x20\x00"}))}
    assert got == {"1": "no_error", "2": "low_paper", "3": "unknown_8192"}


@functools.cache
def _builtin() -> ProfileSet:
    from muniops.collector.snmp.config import BUILTIN_PROFILES

    return ProfileSet.load([BUILTIN_PROFILES])


def _facts_of(names: list[str], scalars: dict[str, SnmpValue], walked: Walk | None = None
              ) -> dict[str, object]:
    return extract(_builtin().resolve(names), scalars, walked or {})[1]


def test_a_fact_value_is_shown_by_its_name_and_an_unlisted_one_as_read() -> None:
    nvr = "1.3.6.1.4.1.50001.1.100.0"          # hikEntityType: DVR(1) NVR(2) IPC(3)
    assert _facts_of(["hikvision-nvr"], {nvr: 1})["model"] == "DVR"
    assert _facts_of(["hikvision-nvr"], {nvr: 2})["model"] == "NVR"
    assert _facts_of(["hikvision-nvr"], {nvr: 255})["model"] == "255"


@pytest.mark.parametrize(("profile", "descr", "model"), [
    ("netsnmp-host", "Linux pi 6.1.21-v8+ #1642 SMP PREEMPT Mon Apr  3 17:24:16 BST 2023 "
     "aarch64", "Generic ARM 64-bit"),
    ("netsnmp-host", "FreeBSD fw 13.2-RELEASE FreeBSD 13.2-RELEASE releng/13.2-n254617 "
     "GENERIC amd64", "Generic x86 64-bit"),
    ("netsnmp-host", "Linux box 2.6.32 #1 SMP Tue Jan 1 00:00:00 UTC 2013 i686",
     "Generic x86"),
    ("windows", "Hardware: x86 Family 6 Model 15 Stepping 11 AT/AT COMPATIBLE - Software: "
     "Windows Version 6.0 (Build 6002 Multiprocessor Free)", "Generic x86"),
    ("windows-workstation", "Hardware: AMD64 Family 25 Model 80 Stepping 0 AT/AT COMPATIBLE"
     " - Software: Windows Version 6.3 (Build 19045 Multiprocessor Free)", "AMD x64"),
    ("juniper-junos", "Juniper Networks, Inc. srx300 internet router, kernel JUNOS "
     "20.4R3.8, Build date: 2022-01-01", "srx300"),
    ("juniper-junos", "Juniper Networks, Inc. ex2300-c-12p Ethernet Switch, kernel JUNOS "
     "21.4R3-S4.9", "ex2300-c-12p"),
])
def test_the_model_of_other_hosts_and_firmware_comes_from_sysdescr(
        profile: str, descr: str, model: str) -> None:
    from muniops.collector.snmp.poller import SYS_DESCR

    assert _facts_of([profile], {SYS_DESCR: descr})["model"] == model


def test_a_linux_sysdescr_without_a_machine_names_no_model() -> None:
    from muniops.collector.snmp.poller import SYS_DESCR

    assert "model" not in _facts_of(["netsnmp-host"], {SYS_DESCR: "a custom description"})


def test_identity_from_entity_mib_where_vendors_put_it() -> None:
    ent = "1.3.6.1.2.1.47.1.1.1.1"
    # a Cisco stack: the stack entity (1) has no model name, the first member (1000) has
    stack = {**_col(f"{ent}.13", {"1": "", "1000": "C9300-48P", "1001": "",
                                  "1010": "SFP-10G-SR"})}
    assert _facts_of(["cisco-ios"], {}, stack)["model"] == "C9300-48P"
    # Huawei: the chassis's serial is empty, the main board's is the ESN; a PSU's is not it
    huawei = {**_col(f"{ent}.5", {"3": 3, "5": 5, "9": 9, "81933": 6}),
              **_col(f"{ent}.11", {"3": "", "5": "", "9": "2102350DLS10K3000123",
                                   "81933": "PSU123"})}
    assert _facts_of(["huawei-vrp"], {}, huawei)["serial"] == "2102350DLS10K3000123"
    # ...and a chassis that has its own serial keeps it
    huawei[f"{ent}.11"][0] = (f"{ent}.11.3", "CHASSIS9")
    assert _facts_of(["huawei-vrp"], {}, huawei)["serial"] == "CHASSIS9"
