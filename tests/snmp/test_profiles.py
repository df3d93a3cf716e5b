"""Device profiles are data: files load strictly, errors name the file and the field, a
new folder adds or overrides kinds, and matching follows sysObjectID / sysDescr / probes."""

from __future__ import annotations

from pathlib import Path

import pytest

from muniops.collector.snmp.config import BUILTIN_PROFILES
from muniops.collector.snmp.profiles import Identity, ProfileError, ProfileSet


def test_shipped_profiles_cover_the_kinds() -> None:
    ps = ProfileSet.load([BUILTIN_PROFILES])
    assert {"generic", "cisco-ios", "netsnmp-host", "host-resources", "ubiquiti-airmax",
            "mikrotik-routeros", "cisco-wireless", "printer", "ups", "apc-ups"} <= set(
        ps.by_name)


def test_match_by_object_id_descr_and_probe() -> None:
    ps = ProfileSet.load([BUILTIN_PROFILES])
    names = [p.name for p in ps.match(Identity("1.3.6.1.4.1.9.1.1208", "", frozenset()))]
    assert names[0] == "cisco-ios" and names[-1] == "generic"
    by_descr = ps.match(Identity("1.3.6.1.4.1.99999", "Cisco IOS Software, C800", frozenset()))
    assert by_descr[0].name == "cisco-ios"
    printer = ps.match(Identity("1.3.6.1.4.1.2435.2", "Brother NC-8300h",
                                frozenset({"1.3.6.1.2.1.43.11.1.1.9"})))
    assert printer[0].kind == "printer"
    nothing = ps.match(Identity("1.3.6.1.4.1.99999", "a camera", frozenset()))
    assert [p.name for p in nothing] == ["generic"]


def test_a_new_folder_adds_a_kind_and_overrides_by_name(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text("""
name: acme-router
kind: router
priority: 50
match: {sys_object_id: [1.3.6.1.4.1.99999]}
scalars:
  - {name: muniops_snmp_acme_sessions, oid: 1.3.6.1.4.1.99999.1.1.0, help: Active sessions.}
""")
    ps = ProfileSet.load([BUILTIN_PROFILES, tmp_path])
    assert ps.match(Identity("1.3.6.1.4.1.99999.7", "", frozenset()))[0].name == "acme-router"


@pytest.mark.parametrize(("text", "message"), [
    ("name: x\nmatch: {sys_object_id: [not-an-oid]}\n", "match.sys_object_id"),
    ("name: x\nscalars: [{name: bad_name, oid: 1.3.6.1.2.1.1.3.0, help: ok ok}]\n",
     "scalars.0.name"),
    ("name: x\ntables: [{name: t, index: [device], metrics: []}]\n", "tables.0.index"),
    ("name: x\nwhat: 1\n", "what: unknown key"),
    ("name: x\nscalars: [{name: muniops_snmp_uptime_seconds, oid: 1.3.6.1.2.1.1.3.0, "
     "type: counter, help: oops}]\n", "is a counter here but a gauge elsewhere"),
])
def test_invalid_profiles_name_the_file_and_field(tmp_path: Path, text: str,
                                                  message: str) -> None:
    (tmp_path / "broken.yaml").write_text(text)
    with pytest.raises(ProfileError) as info:
        ProfileSet.load([BUILTIN_PROFILES, tmp_path])
    assert message in str(info.value)
    if "elsewhere" not in message:
        assert "broken.yaml" in str(info.value)
