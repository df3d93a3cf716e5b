"""Wireless links: one thing with two ends. Its state comes from both ends' readings
against the thresholds: down when an end does not answer or hears nothing, degraded when
signal, SNR or CCQ at either end is below its threshold, ok otherwise. ``link_rows`` is
what ``muniops links`` prints and ``GET /api/v1/links`` answers."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from muniops.collector.snmp.config import LinkConfig, LinkThresholds, SnmpSettings
from muniops.collector.snmp.poller import PollResult
from muniops.inventory import snmp as store
from muniops.inventory.models.snmp import LinkState, WirelessLink

SIGNAL = "muniops_snmp_wireless_signal_dbm"
NOISE = "muniops_snmp_wireless_noise_dbm"
SNR = "muniops_snmp_wireless_snr_db"
CCQ = "muniops_snmp_wireless_ccq_ratio"


def end_readings(result: PollResult) -> dict[str, float]:
    """The worst signal, SNR and CCQ the device reports (a bridge has one peer; an access
    point's worst station is what limits the link)."""
    by_metric: dict[str, list[float]] = {}
    for r in result.readings:
        by_metric.setdefault(r.metric, []).append(r.value)
    out: dict[str, float] = {}
    if by_metric.get(SIGNAL):
        out["signal_dbm"] = min(by_metric[SIGNAL])
    if by_metric.get(SNR):
        out["snr_db"] = min(by_metric[SNR])
    elif "signal_dbm" in out and by_metric.get(NOISE):
        out["snr_db"] = out["signal_dbm"] - max(by_metric[NOISE])
    if by_metric.get(CCQ):
        out["ccq_percent"] = round(min(by_metric[CCQ]) * 100, 1)
    return out


def evaluate(link: LinkConfig, default: LinkThresholds,
             results: dict[str, PollResult]) -> WirelessLink:
    limits = link.thresholds or default
    readings: dict[str, dict[str, float]] = {}
    down: list[str] = []
    degraded: list[str] = []
    for end in (link.a, link.b):
        result = results.get(end.device)
        if result is None:
            down.append(f"{end.device}: not polled")
            continue
        if result.state == "down":
            down.append(f"{end.device}: unreachable ({result.reason})")
            continue
        values = end_readings(result)
        readings[end.device] = values
        if "signal_dbm" not in values:
            down.append(f"{end.device}: no signal reading")
            continue
        if values["signal_dbm"] < limits.min_signal_dbm:
            degraded.append(f"{end.device}: signal {values['signal_dbm']:g} dBm < "
                            f"{limits.min_signal_dbm:g}")
        if "snr_db" in values and values["snr_db"] < limits.min_snr_db:
            degraded.append(f"{end.device}: SNR {values['snr_db']:g} dB < {limits.min_snr_db:g}")
        if "ccq_percent" in values and values["ccq_percent"] < limits.min_ccq_percent:
            degraded.append(f"{end.device}: CCQ {values['ccq_percent']:g}% < "
                            f"{limits.min_ccq_percent:g}")
    state = LinkState.DOWN if down else LinkState.DEGRADED if degraded else LinkState.OK
    return WirelessLink(name=link.name, site_a=link.a.site, site_b=link.b.site,
                        device_a=link.a.device, device_b=link.b.device, state=state,
                        reason="; ".join(down or degraded), readings=readings)


def link_rows(session: Session, cfg: SnmpSettings,
              sites: set[str] | None = None) -> list[dict[str, Any]]:
    """One row per configured link; a liaison (``sites``: its district's site names) sees
    the links with an end in its district."""
    stored = {link.name: link for link in store.list_links(session)}
    rows = []
    for link in cfg.links:
        if sites is not None and link.a.site not in sites and link.b.site not in sites:
            continue
        row = stored.get(link.name)
        rows.append({"name": link.name, "site_a": link.a.site, "device_a": link.a.device,
                     "site_b": link.b.site, "device_b": link.b.device,
                     "state": row.state.value if row else "unknown",
                     "reason": row.reason if row else "not polled yet",
                     "readings": row.readings if row else {},
                     "updated_at": row.updated_at if row else None})
    return rows
