"""The playbook format: the built-in playbooks are valid, and a wrong playbook is refused
with the file, the line and the field."""

from __future__ import annotations

import pytest

from muniops.playbooks.loader import PlaybookError, builtin_names, load_playbook, parse_playbook

GOOD = """\
name: check-banner
targets:
  platforms: [cisco_ios]
steps:
  - name: config
    send: show running-config
checks:
  - id: banner
    title: Banner
    severity: low
    step: config
    must_match: '^banner '
"""


def test_builtin_playbooks_are_valid() -> None:
    assert builtin_names() == ["backup-config", "compliance-baseline", "facts", "pm-network"]
    for name in builtin_names():
        assert load_playbook(name).name == name


def error_of(text: str) -> str:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "mine.yaml")
    return str(caught.value)


@pytest.mark.parametrize(("change", "expected"), [
    (("platforms: [cisco_ios]", "platforms: [cisco_ios, junos]"),
     "mine.yaml:3: targets.platforms: unknown platform(s) junos"),
    (("    send: show running-config", "    sned: show running-config"),
     "mine.yaml:6: steps[0].sned: unknown key"),
    (("    severity: low", "    severity: urgent"),
     "mine.yaml:10: checks[0].severity: Input should be 'info', 'low'"),
    (("    must_match: '^banner '", "    must_match: '^banner ('"),
     "mine.yaml:12: checks[0].must_match: not a valid regular expression"),
    (("    step: config", "    step: confg"),
     "mine.yaml:11: checks[0].step: no step named 'confg'"),
    (("    send: show running-config", "    send: show {{ what }}"),
     "mine.yaml:6: steps[0].send: unknown variable 'what'"),
])
def test_errors_name_the_line_and_field(change: tuple[str, str], expected: str) -> None:
    assert parse_playbook(GOOD, "mine.yaml").name == "check-banner"
    assert expected in error_of(GOOD.replace(*change))


def test_yaml_syntax_errors_name_the_line() -> None:
    assert error_of(GOOD.replace("  - name: config", "  - name: [config")).startswith(
        "mine.yaml:6: not valid YAML")
