"""Every LibreNMS recording, polled by the real poller from one snmpsim, compared with what
LibreNMS expects of it (``tests/snmp/librenms.py`` says what counts as covered).

Coverage can only go up: each recording has a floor per category in
``coverage_floors.json`` (raise them with ``scripts/snmp_coverage.py --floors``), and a
recording read by nothing beyond the generic profile fails unless ``generic_only.yaml``
says why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from muniops.collector.snmp.poller import PollResult
from muniops.collector.snmp.profiles import ProfileSet
from muniops.lab.snmpsim import running_snmpsim
from tests.snmp import librenms

HERE = Path(__file__).parent
FLOORS: dict[str, dict[str, int]] = json.loads((HERE / "coverage_floors.json").read_text())
GENERIC_ONLY: dict[str, str] = yaml.safe_load((HERE / "generic_only.yaml").read_text()) or {}
NAMES = librenms.recordings()


@pytest.fixture(scope="module")
def polled(profiles: ProfileSet) -> Iterator[dict[str, PollResult]]:
    with running_snmpsim(librenms.SNMPREC) as port:
        yield librenms.poll_all(port, profiles)


def test_every_recording_has_floors_and_an_expectation() -> None:
    assert len(NAMES) >= 74
    assert set(FLOORS) == set(NAMES)
    for name in NAMES:
        assert (librenms.EXPECTED / f"{name}.json").exists(), name


@pytest.mark.parametrize("name", NAMES)
def test_coverage_never_falls_below_its_floor(polled: dict[str, PollResult],
                                              name: str) -> None:
    res = polled[name]
    assert res.state == "up", (name, res.reason)
    cov = librenms.compare(name, res)
    for category, floor in FLOORS[name].items():
        cat = cov.categories[category]
        assert cat.covered >= floor, (
            f"{name} {category}: {cat.covered}/{cat.expected} covered, floor {floor}; "
            f"missing: {cat.missing[:8]}")


@pytest.mark.parametrize("name", NAMES)
def test_every_recording_is_read_beyond_the_generic_profile(
        polled: dict[str, PollResult], name: str) -> None:
    specific = [p for p in polled[name].profiles if p != "generic"]
    if name in GENERIC_ONLY:
        assert not specific, f"{name} is listed in generic_only.yaml but matches {specific}"
    else:
        assert specific, f"{name}: only the generic profile matched"


def test_a_wrong_value_or_description_is_not_covered(polled: dict[str, PollResult]) -> None:
    """The comparison itself: a reading moved by more than 1 %, or renamed, no longer
    counts."""
    import dataclasses

    name = "apc_smt750x-nmc2"
    res = polled[name]
    before = librenms.compare(name, res).categories["sensors"].covered
    assert before > 0
    shifted = dataclasses.replace(res, readings=[
        dataclasses.replace(r, value=r.value * 1.02 + 1, oid="x") for r in res.readings])
    assert librenms.compare(name, shifted).categories["sensors"].covered == 0


# what a device is comes from what it answers: the same vendor gives different kinds
KINDS = {
    "routeros_rb2011il": "router", "routeros_wifi": "wireless_bridge",
    "routeros_ltap-mini": "access_point", "swos_css326-24g-2s+": "switch",
    "edgeos_erl": "router", "edgeswitch_us-8": "switch", "unifi_unifi": "access_point",
    "airos-af-ltu_1.4.0": "wireless_bridge", "arubaos": "wireless_controller",
    "vrp_ac6605-26": "wireless_controller", "vrp_5720": "switch",
    "fortigate_500d": "firewall", "junos_srx340": "firewall", "junos_qfx5100": "switch",
    "dsm_ds916": "nas", "apc_ap7900b": "pdu", "apc_smt750x-nmc2": "ups",
    "hikvision-nvr": "nvr", "axiscam_p1354": "camera", "drac_r540": "server",
    "hpe-ilo": "server", "windows_9600d": "server", "brother": "printer",
}


@pytest.mark.parametrize(("name", "kind"), sorted(KINDS.items()))
def test_the_kind_comes_from_what_the_device_answers(polled: dict[str, PollResult],
                                                     name: str, kind: str) -> None:
    assert polled[name].kind == kind, (name, polled[name].profiles)


def test_idrac_and_ilo_serial_is_the_servers(polled: dict[str, PollResult]) -> None:
    """The management card reports the server's serial, which links it to the server's
    asset (inventory.snmp.serials_in)."""
    from muniops.inventory.snmp import serials_in

    assert "CZXXXXXXXX" in serials_in(polled["hpe-ilo_5_with_bat_checks"].facts)
    assert "5GC8H32" in serials_in(polled["drac_idrac7"].facts)


# recordings with a live link (the AF60 one has no station), and what each family reports
# beside the signal
LINK_ENDS = {"airos_airos8": {"snr_db", "ccq_percent"}, "airos-af-ltu_1.4.0": set(),
             "routeros_wifi": set(), "routeros_station": set(), "pmp_450": {"snr_db"},
             "pmp": {"snr_db"}}


@pytest.mark.parametrize(("name", "also"), sorted(LINK_ENDS.items()))
def test_every_radio_family_gives_what_muniops_links_reads(polled: dict[str, PollResult],
                                                           name: str, also: set[str]) -> None:
    """`muniops links` judges an end by its worst signal (and SNR or CCQ when it has one),
    whatever the radio family."""
    from muniops.collector.snmp.links import end_readings

    values = end_readings(polled[name])
    assert -100 < values["signal_dbm"] < -10, (name, values)
    assert also <= set(values), (name, values)
