"""Syslog from util-linux ``logger`` (RFC 3164 and 5424, UDP and TCP) to a running
``muniops serve``: a configuration-change message from a fakenos Cisco IOS switch backs
it up once, even for a burst of ten; an interface going down is an event with the
interface's name; anything else is counted per device and severity, not stored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from muniops.inventory import configs
from muniops.inventory.models.events import DeviceEvent, EventSource
from muniops.lab import events as send
from muniops.lab.collector import running_collector
from muniops.lab.fakenos import FakeDevice, running_fakenos
from muniops.lab.net import free_port
from tests.events.conftest import Served, new_store, wait_until, write_config
from tests.ssh.conftest import register_ssh

CONFIG_I = "%SYS-5-CONFIG_I: Configured from console by netadmin on vty0 (10.1.2.3)"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``sw-core``, a fakenos Cisco IOS switch at 127.0.0.1, as an SSH device."""
    tmp: Path = tmp_path_factory.mktemp("syslog")
    with running_fakenos([FakeDevice("sw-core")]) as lab:
        device = {"name": "sw-core", "address": f"127.0.0.1:{lab.port('sw-core')}",
                  "platform": "cisco_ios", "credential": "ios-admin", "site": "City Hall"}
        creds = {"ios-admin": {"type": "ssh", "username": "netadmin",
                               "password": "lab-only-password",
                               "enable_secret": "lab-only-enable"}}
        syslog_port = free_port()
        config = write_config(tmp, trap_port=free_port(), syslog_port=syslog_port,
                              extra={"playbooks": {"schedule": [], "connect_timeout": 10}},
                              credentials=creds)
        db = new_store(tmp)
        register_ssh(str(db.engine.url), [device])
        with running_collector(config) as collector:
            yield Served(collector, db, 0, syslog_port, None, tmp)
        db.dispose()


def _events(served: Served, kind: str) -> list[DeviceEvent]:
    with served.db.read() as s:
        return list(s.exec(select(DeviceEvent).where(DeviceEvent.kind == kind,
                                                     DeviceEvent.source == EventSource.SYSLOG)))


def _backups(served: Served) -> float:
    return served.metric("muniops_playbook_runs_total", playbook="backup-config")


def test_a_burst_of_config_change_messages_backs_the_device_up_once(served: Served) -> None:
    port = served.syslog_port
    for i in range(10):  # both transports, both formats
        send.logger(port, CONFIG_I, tcp=i % 2 == 1, rfc="3164" if i % 3 else "5424")
    wait_until(lambda: len(_events(served, "config_change")) == 10, 15,
               "ten config_change events")
    event = _events(served, "config_change")[0]
    assert event.device_name == "sw-core" and event.sender == "127.0.0.1"
    assert "netadmin on vty0" in event.detail
    wait_until(lambda: _backups(served) >= 1, 60, "the backup the messages asked for")
    with served.db.read() as s:
        state = next(st for st in configs.backup_states(s) if st.device == "sw-core")
        assert state.last_success_at is not None and state.last_cause == ""
        assert [v.version for v in configs.history(s, "sw-core")] == [1]
    time.sleep(5)  # longer than backup_delay_seconds: a second run would have started
    assert _backups(served) == 1
    assert served.metric("muniops_event_actions_total", device="sw-core", action="backup",
                         outcome="ok") == 1


def test_interface_down_is_an_event_and_other_messages_are_only_counted(
        served: Served) -> None:
    port = served.syslog_port
    send.logger(port, "%LINK-3-UPDOWN: Interface GigabitEthernet0/2, changed state to down",
                tcp=True, rfc="3164", priority="local7.err")
    wait_until(lambda: _events(served, "interface_down"), 15, "the interface_down event")
    event = _events(served, "interface_down")[0]
    assert (event.subject, event.severity) == ("GigabitEthernet0/2", "err")
    before = served.metric("muniops_syslog_messages_total", device="sw-core",
                           severity="warning")
    with served.db.read() as s:
        stored = len(s.exec(select(DeviceEvent.id)).all())
    send.logger(port, "%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.0.0.9(5512)",
                priority="local7.warning")
    wait_until(lambda: served.metric("muniops_syslog_messages_total", device="sw-core",
                                     severity="warning") == before + 1, 15,
               "the unmatched message counted")
    with served.db.read() as s:
        assert len(s.exec(select(DeviceEvent.id)).all()) == stored
