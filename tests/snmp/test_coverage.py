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
