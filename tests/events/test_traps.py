"""SNMP traps and informs from Net-SNMP's ``snmptrap``/``snmpinform`` to a running
``muniops serve``: each becomes the right device event, makes the device be polled at
once, is counted per device and kind; a wrong v3 key is refused and counted; a burst of
10,000 traps leaves the service answering, with every trap received or counted dropped."""

from __future__ import annotations

import time

from sqlmodel import select

from muniops.inventory import devices, events as store
from muniops.inventory.models.events import DeviceEvent, EventSource
from muniops.lab import events as send
from tests.events.conftest import Served, wait_until

IF_INDEX, IF_DESCR = "1.3.6.1.2.1.2.2.1.1.3", "1.3.6.1.2.1.2.2.1.2.3"


def _events(served: Served, kind: str) -> list[DeviceEvent]:
    with served.db.read() as s:
        return [e for e in store.list_events(s, source=EventSource.TRAP, limit=1000)
                if e.kind == kind]


def _stored(served: Served, kind: str) -> int:
    with served.db.read() as s:
        return len(s.exec(select(DeviceEvent.id).where(DeviceEvent.kind == kind)).all())


def _last_poll(served: Served) -> float:
    with served.db.read() as s:
        at = devices.get_device(s, "sw-hall").last_poll_at
    return at.timestamp() if at else 0.0


def test_v2c_link_down_is_an_event_with_the_interface_and_polls_the_device(
        served: Served) -> None:
    wait_until(lambda: _last_poll(served) > 0, 30, "the first poll")
    before = _last_poll(served)
    done = send.snmptrap(served.trap_port, send.LINK_DOWN, IF_INDEX, "i", "3",
                         IF_DESCR, "s", "GigabitEthernet0/3", community="public")
    assert done.returncode == 0, done.stderr
    wait_until(lambda: _events(served, "link_down"), 15, "the link_down event")
    event = _events(served, "link_down")[0]
    assert (event.device_name, event.subject, event.severity) == \
        ("sw-hall", "GigabitEthernet0/3", "warning")
    assert event.device_id is not None and event.sender == "127.0.0.1"
    wait_until(lambda: _last_poll(served) > before, 15, "the poll the trap asked for")
    assert served.metric("muniops_traps_received_total", device="sw-hall",
                         kind="link_down") == 1
    assert served.metric("muniops_event_actions_total", device="sw-hall", action="poll",
                         outcome="ok") >= 1


def test_v1_trap_is_translated_and_named(served: Served) -> None:
    done = send.snmptrap(served.trap_port, "1.3.6.1.4.1.318 6 5", version="1")
    assert done.returncode == 0, done.stderr
    wait_until(lambda: _events(served, "ups_on_battery"), 15, "the ups_on_battery event")
    event = _events(served, "ups_on_battery")[0]
    assert event.severity == "critical"
    assert "public" not in str(event.data)  # RFC 3584's snmpTrapCommunity is not kept


def test_v3_authpriv_inform_is_acknowledged_and_a_wrong_key_refused(served: Served) -> None:
    assert served.agent is not None
    a = served.agent
    good = send.snmpinform_v3(served.trap_port, send.COLD_START, user=a.v3_user,
                              auth=a.v3_auth, priv=a.v3_priv)
    assert good.returncode == 0, good.stderr  # acknowledged by the receiver
    wait_until(lambda: _events(served, "cold_start"), 15, "the cold_start event")
    assert _events(served, "cold_start")[0].data["credential"] == "lab-v3"  # type: ignore[index]
    refused_before = served.metric("muniops_traps_refused_total", reason="wrong_digest")
    bad = send.snmpinform_v3(served.trap_port, send.COLD_START, user=a.v3_user,
                             auth="not-the-key-123", priv=a.v3_priv, timeout=1)
    assert bad.returncode != 0
    assert "Authentication failure" in bad.stderr or "Timeout" in bad.stderr
    assert served.metric("muniops_traps_refused_total", reason="wrong_digest") > refused_before
    assert len(_events(served, "cold_start")) == 1
    said = served.collector.log.read_text(errors="replace") + served.collector.metrics()
    assert a.v3_auth not in said and a.v3_priv not in said  # never a secret in logs or metrics
    wrong_community = send.snmptrap(served.trap_port, send.COLD_START, community="guess")
    assert wrong_community.returncode == 0  # a trap is never answered
    wait_until(lambda: served.metric("muniops_traps_refused_total", reason="bad_community")
               >= 1, 10, "the bad community counted")
    assert len(_events(served, "cold_start")) == 1


def test_a_burst_of_10000_traps_is_received_or_counted_dropped(served: Served) -> None:
    datagram = send.captured_trap(send.LINK_DOWN, IF_INDEX, "i", "3", IF_DESCR, "s",
                                  "GigabitEthernet0/3")
    received_before = served.metric("muniops_traps_received_total", device="sw-hall",
                                    kind="link_down")
    stored_before = _stored(served, "link_down")
    started = time.monotonic()
    send.burst(served.trap_port, datagram, 10_000)
    sent_in = time.monotonic() - started

    def accounted() -> float:
        got = served.metric("muniops_traps_received_total", device="sw-hall",
                            kind="link_down") - received_before
        lost = sum(served.metric("muniops_events_dropped_total", stage=st)
                   for st in ("kernel", "queue"))
        return got + lost

    wait_until(lambda: accounted() >= 10_000, 120, "every trap received or dropped")
    received = served.metric("muniops_traps_received_total", device="sw-hall",
                             kind="link_down") - received_before
    dropped = served.metric("muniops_events_dropped_total", stage="kernel")
    print(f"burst: 10000 sent in {sent_in:.2f}s, {received:.0f} received, "
          f"{dropped:.0f} dropped by the kernel")
    assert accounted() == 10_000
    assert served.healthy()
    assert received >= 1_000  # the receiver kept working through the burst
    wait_until(lambda: _stored(served, "link_down") == stored_before + received, 60,
               "the burst's events stored")
