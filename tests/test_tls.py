"""TLS in ``muniops serve``: ``muniops tls init`` makes a private CA and the collector's
certificate; a real collector serves HTTPS with it; a real agent enrols and delivers
only when it trusts that CA; a network-facing listen address without TLS is refused."""

from __future__ import annotations

import json
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from muniops.lab.agents import BIN, run_agent
from muniops.lab.net import free_port
from tests.conftest import Cli


def _https_ready(url: str, ca: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    context = ssl.create_default_context(cafile=str(ca))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"muniops serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, ssl.SSLError):
            time.sleep(0.2)
    pytest.fail("muniops serve did not answer over HTTPS")


def test_tls_end_to_end(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init")
    cli.ok("sites", "add", "City Hall")
    made = cli.ok("tls", "init", "--host", "127.0.0.1", "--host", "localhost", "--json").json()
    ca = Path(made["ca_file"])
    assert Path(made["api"]["tls_key"]).stat().st_mode & 0o777 == 0o600
    again = cli("tls", "init", "--host", "127.0.0.1")
    assert again.code == 4 and "agents already trust that CA" in again.err

    config = yaml.safe_load(cli.config.read_text())
    config["api"] = made["api"]
    cli.config.write_text(yaml.safe_dump(config))
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    proc = subprocess.Popen([str(BIN / "muniops"), "--config", str(cli.config), "serve",
                             "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _https_ready(url + "/healthz", ca, proc)
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)

        secret = cli.ok("agents", "enroll-secret", "City Hall", "--json").json()["secret"]
        env = {"MUNIOPS_AGENT_SECRET": secret}
        untrusting = run_agent(tmp_path / "a0", "enroll", "--server", url, env=env)
        assert untrusting.returncode != 0
        assert "certificate" in (untrusting.stderr + untrusting.stdout).lower()

        state = tmp_path / "a1"
        enrolled = run_agent(state, "enroll", "--server", url, "--ca-file", str(ca), env=env)
        assert enrolled.returncode == 0, enrolled.stderr
        sent = run_agent(state, "send")
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["accepted"] == 1
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_network_address_without_tls_is_refused(cli: Cli) -> None:
    cli.ok("init")
    refused = cli("serve", "--listen", f"0.0.0.0:{free_port()}")
    assert refused.code == 7
    assert "api.tls_cert" in refused.err and "plain_http" in refused.err


def test_an_agent_pinned_at_enrolment_trusts_that_certificate_only(cli: Cli,
                                                                    tmp_path: Path) -> None:
    """``enroll --pin sha256:...`` instead of a CA file: the pin ``tls init`` prints is the
    served certificate's; another pin is refused before any secret is sent."""
    cli.ok("init")
    cli.ok("sites", "add", "City Hall")
    made = cli.ok("tls", "init", "--host", "127.0.0.1", "--json").json()
    pin = made["pin"]
    der = ssl.PEM_cert_to_DER_cert(Path(made["api"]["tls_cert"]).read_text())
    import hashlib

    assert pin == "sha256:" + hashlib.sha256(der).hexdigest()
    config = yaml.safe_load(cli.config.read_text())
    config["api"] = made["api"]
    cli.config.write_text(yaml.safe_dump(config))
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    proc = subprocess.Popen([str(BIN / "muniops"), "--config", str(cli.config), "serve",
                             "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _https_ready(url + "/healthz", Path(made["ca_file"]), proc)
        secret = cli.ok("agents", "enroll-secret", "City Hall", "--json").json()["secret"]
        env = {"MUNIOPS_AGENT_SECRET": secret}
        other = "sha256:" + "ab" * 32
        refused = run_agent(tmp_path / "a0", "enroll", "--server", url, "--pin", other, env=env)
        assert refused.returncode == 2
        assert f"not the pinned {other}" in refused.stderr and pin in refused.stderr
        assert not (tmp_path / "a0" / "credentials.json").exists()
        bad = run_agent(tmp_path / "a0", "enroll", "--server", url, "--pin", "md5:00", env=env)
        assert bad.returncode == 5 and "--pin must be sha256:" in bad.stderr
        both = run_agent(tmp_path / "a0", "enroll", "--server", url, "--pin", pin,
                         "--ca-file", made["ca_file"], env=env)
        assert both.returncode == 2 and "not allowed with" in both.stderr  # argparse

        state = tmp_path / "a1"
        # the colon-separated, upper-case form openssl prints is the same pin
        shown = "SHA256:" + ":".join(pin[7:][i:i + 2].upper() for i in range(0, 64, 2))
        enrolled = run_agent(state, "enroll", "--server", url, "--pin", shown, env=env)
        assert enrolled.returncode == 0, enrolled.stderr
        assert json.loads((state / "credentials.json").read_text())["pin"] == pin
        sent = run_agent(state, "send", "--kind", "heartbeat")
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["accepted"] == 1
    finally:
        proc.terminate()
        proc.wait(30)
