"""Configuration: strict, precise errors, environment overrides, secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from muniops.collector.core.credentials import CredentialStore, SnmpV3, SshLogin
from muniops.collector.core.settings import ConfigError, load_settings
from muniops.inventory.errors import CredentialError
from tests.conftest import Cli


def test_wrong_key_and_type_are_named(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("api:\n  listn: 127.0.0.1:1\n  max_body_bytes: lots\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message
    assert "api.listn: unknown key" in message
    assert "api.max_body_bytes" in message


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("data_dir: data\napi:\n  listen: 127.0.0.1:9000\n")
    monkeypatch.setenv("MUNIOPS_API__LISTEN", "127.0.0.1:9100")
    monkeypatch.setenv("MUNIOPS_DATABASE_URL", "postgresql+psycopg://u:hunter2@db/muniops")
    settings = load_settings(path)
    assert settings.api.port == 9100
    assert settings.data_dir == tmp_path / "data"  # relative to the file
    assert settings.db_url.endswith("@db/muniops")
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())


def test_bad_listen_address(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("api:\n  listen: localhost\n")
    with pytest.raises(ConfigError, match=r"api\.listen.*HOST:PORT"):
        load_settings(path)


def test_config_check_command(cli: Cli, tmp_path: Path) -> None:
    assert "configuration is valid" in cli.ok("config", "check").out
    broken = tmp_path / "broken.yaml"
    broken.write_text("nonsense: [1\n")
    result = cli.__class__(cli.capsys, broken)("config", "check")
    assert result.code == 7 and "not valid YAML" in result.err


def test_credentials_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "credentials.yaml"
    path.write_text(
        "core-v3:\n  type: snmp_v3\n  username: ops\n  auth_protocol: sha256\n"
        "  auth_key: ${AUTH_KEY}\n  priv_protocol: aes128\n  priv_key: privpass123\n"
        "switches:\n  type: ssh\n  username: admin\n  password: s3cret-pw\n"
    )
    path.chmod(0o644)
    store = CredentialStore(path)
    with pytest.raises(ConfigError, match="chmod 600"):
        store.ssh("switches")
    path.chmod(0o600)
    # an unset variable fails the credential that uses it, and nothing else
    with pytest.raises(CredentialError, match="'core-v3': environment variable AUTH_KEY"):
        store.snmp("core-v3")
    ssh = store.ssh("switches")
    assert [e.name for e in store.problems()] == ["core-v3"]
    monkeypatch.setenv("AUTH_KEY", "authpass123")
    v3 = store.snmp("core-v3")
    assert isinstance(v3, SnmpV3) and isinstance(ssh, SshLogin)
    assert v3.auth_key is not None and v3.auth_key.get_secret_value() == "authpass123"
    assert "authpass123" not in repr(v3) and "s3cret-pw" not in repr(ssh)
    with pytest.raises(CredentialError, match="'switches': is an ssh credential"):
        store.snmp("switches")
    with pytest.raises(CredentialError, match="'nope': no credential of that name"):
        store.ssh("nope")

    # the file is read again when it changes
    path.write_text("x:\n  type: ssh\n  username: a\n  password: leaked-value\n  pasword: y\n")
    with pytest.raises(CredentialError) as info:
        store.ssh("x")
    assert "ssh.pasword: unknown key" in str(info.value)
    assert "leaked-value" not in str(info.value)
    assert store.names() == ["x"]


def test_config_check_validates_credentials_profiles_and_playbooks(
        cli: Cli, tmp_path: Path) -> None:
    creds = tmp_path / "credentials.yaml"
    creds.write_text("core: {type: snmp_v2c, community: s3cret-community}\n"
                     "half:\n  type: snmp_v3\n  username: ops\n  auth_protocol: sha\n"
                     "  auth_key: ${UNSET_KEY_19}\n  security_level: authNoPriv\n")
    creds.chmod(0o644)
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "bad-regex.yaml").write_text("name: bad-regex\nmatch:\n  sys_descr: ['(']\n")
    playbook = tmp_path / "broken-playbook.yaml"
    playbook.write_text("name: broken\nsteps: [1\n")
    config = tmp_path / "checked.yaml"
    config.write_text(cli.config.read_text() + f"credentials_file: {creds}\n"
                      f"snmp: {{profile_dirs: [{profiles}]}}\n"
                      f"playbooks: {{schedule: [{{playbook: {playbook}, at: '03:00'}}]}}\n")
    check = cli.__class__(cli.capsys, config)
    result = check("config", "check")
    assert result.code == 7
    assert f"{creds}: readable by others (mode 644); run chmod 600" in result.err
    assert "bad-regex.yaml" in result.err and "match.sys_descr" in result.err
    assert "broken-playbook.yaml" in result.err and "not valid YAML" in result.err
    assert "configuration is valid" not in result.out
    creds.chmod(0o600)  # the file readable by its owner only: each credential is checked
    (profiles / "bad-regex.yaml").write_text(
        "name: bad-regex\ndescr_facts: {version: 'Version [0-9.]+'}\n")
    result = check("config", "check", "--json")
    assert result.code == 7
    problems = result.json()["problems"]  # type: ignore[index]
    assert any("'half'" in p and "UNSET_KEY_19" in p for p in problems), problems
    assert any("descr_facts" in p and "group" in p for p in problems), problems
    assert not any("broken-playbook" not in p and "playbook" in p for p in problems)
    assert "s3cret-community" not in result.out + result.err
    (profiles / "bad-regex.yaml").unlink()
    playbook.write_text((Path(__file__).parents[1] / "playbooks" / "builtin" / "facts.yaml")
                        .read_text())
    creds.write_text("core: {type: snmp_v2c, community: s3cret-community}\n")
    result = check("config", "check")
    assert result.code == 0, result.err
    assert "configuration is valid" in result.out


def test_credentials_file_refuses_aliases_and_never_quotes_a_line(tmp_path: Path) -> None:
    path = tmp_path / "credentials.yaml"
    path.write_text("a: &x {type: ssh, username: u, password: p}\nb: *x\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="aliases are not allowed"):
        CredentialStore(path).names()
    path.write_text("sw:\n  type: ssh\n  password: s3cret-value: : [\n")
    with pytest.raises(ConfigError, match="not valid YAML at line 3") as info:
        CredentialStore(path).names()
    assert "s3cret" not in str(info.value)


def test_a_broken_section_stops_what_reads_it_and_serve(cli: Cli, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Sections are validated when read: a mistake in ``snmp:`` does not stop a listing of
    assets, but it stops what reads the section, ``config check`` and ``serve`` (Collector),
    named with its path."""
    from muniops.collector.core.service import Collector

    cli.config.write_text(cli.config.read_text()
                          + "snmp:\n  interval_seconds: often\n  intervall: 5\n")
    assert cli.ok("assets", "list", "--json").json() == []
    checked = cli("config", "check")
    assert checked.code == 7
    assert "snmp.interval_seconds" in checked.err and "snmp.intervall: unknown key" in checked.err
    settings = load_settings(cli.config)
    with pytest.raises(ConfigError, match=r"snmp\.interval_seconds"):
        _ = settings.snmp
    with pytest.raises(ConfigError, match=r"snmp\.intervall: unknown key"):
        Collector(settings)
    # the environment reaches sections too, and wins over the file
    monkeypatch.setenv("MUNIOPS_SNMP__INTERVAL_SECONDS", "45")
    cli.config.write_text(cli.config.read_text().replace("  intervall: 5\n", ""))
    assert load_settings(cli.config).snmp.interval_seconds == 45
