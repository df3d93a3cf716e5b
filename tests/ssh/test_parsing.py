"""Parsing recorded real device outputs (ntc-templates-style fixtures: ``<platform>/
<command>/<case>.raw`` beside the expected ``.yml``), and the text rules of playbooks:
normalisation, redaction, checks. Every recording is checked by one generic test."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from muniops.playbooks.loader import load_playbook
from muniops.playbooks.model import Check
from muniops.playbooks.text import facts_from, judge, normalise, parse, redact

FIXTURES = Path(__file__).parent / "fixtures"
RECORDINGS = sorted(FIXTURES.glob("*/*/*.raw"))


def test_every_recording_has_its_expectation() -> None:
    assert RECORDINGS, "no recorded outputs found"
    for raw in RECORDINGS:
        assert raw.with_suffix(".yml").exists(), f"{raw} has no expected .yml"


@pytest.mark.parametrize("raw", RECORDINGS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_recorded_output_parses_as_expected(raw: Path) -> None:
    platform, command = raw.parent.parent.name, raw.parent.name.replace("_", " ")
    expected = yaml.safe_load(raw.with_suffix(".yml").read_text())
    rows = parse(raw.read_text(), "textfsm", platform, command)
    assert rows == expected["parsed_sample"]
    if "facts" in expected:
        step = next(s for s in load_playbook("facts").steps
                    if s.command_for(platform) == command)
        assert facts_from(rows, step.facts) == {**expected["facts"],
                                                "hostname": rows[0]["hostname"]}


def test_normalise_drops_volatile_lines_only() -> None:
    volatile = load_playbook("backup-config").volatile
    a = ("Building configuration...\r\n\r\nCurrent configuration : 1302 bytes\r\n!\r\n"
         "! Last configuration change at 08:15:40 UTC Tue Mar 3 2020\r\n"
         "hostname sw1   \r\nntp clock-period 17179869\r\nntp server 10.0.0.1\r\nend\r\n")
    b = a.replace("08:15:40", "09:00:00").replace("1302", "1310").replace("17179869", "17")
    assert normalise(a, volatile) == normalise(b, volatile) == (
        "!\nhostname sw1\nntp server 10.0.0.1\nend\n")
    assert normalise(a.replace("10.0.0.1", "10.0.0.2"), volatile) != normalise(a, volatile)


def test_redaction_hides_secrets_and_keeps_the_setting() -> None:
    text = ("enable secret 9 $9$abc$def\nusername admin privilege 15 secret 5 $1$xyz\n"
            " password 7 0822455D0A16\nsnmp-server community S3cr3t RO\n"
            "tacacs-server key 7 0011223344\nhostname sw1\n")
    assert redact(text) == (
        "enable secret 9 <redacted>\nusername admin privilege 15 secret 5 <redacted>\n"
        " password 7 <redacted>\nsnmp-server community <redacted> RO\n"
        "tacacs-server key 7 <redacted>\nhostname sw1\n")


def test_conditions_on_parsed_rows_name_the_failing_rows() -> None:
    check = Check.model_validate({
        "id": "errors", "title": "t", "severity": "medium", "step": "s",
        "where": {"field": "input_errors", "op": "le", "value": "{{ limit }}",
                  "label": "interface"}})
    rows = [{"interface": "Gi1", "input_errors": "0"}, {"interface": "Gi2", "input_errors": "9"}]
    assert judge(check, "", rows, {"limit": 5}) == (False, "not le 5: Gi2: input_errors=9")
    assert judge(check, "", rows, {"limit": 10})[0] is True
    assert judge(check, "", [], {"limit": 10}) == (False, "nothing was parsed to check")
