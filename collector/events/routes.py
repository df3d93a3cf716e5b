"""``POST /api/v1/alerts/webhook``: Alertmanager's webhook receiver. Every notification
(firing or resolved) becomes an event on the device or asset its labels name (``device``,
``asset_tag``), so ``muniops devices show`` and ``muniops events`` say what was alerted
and when. ``GET /api/v1/events`` lists events, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from muniops.collector.api.auth import DB, AnyCaller, Writer
from muniops.collector.api.parity import cli
from muniops.inventory import events as store
from muniops.inventory.models.enums import Role
from muniops.inventory.models.events import EventSource

router = APIRouter(tags=["events"])


class AmAlert(BaseModel):
    """One alert of Alertmanager's webhook payload (version 4); other keys are kept out."""

    model_config = ConfigDict(extra="ignore")

    status: str = Field(pattern="^(firing|resolved)$")
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: str = ""  # Alertmanager's names
    endsAt: str = ""
    fingerprint: str = ""


class AmNotification(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: str = "4"
    receiver: str = ""
    status: str = ""
    alerts: list[AmAlert] = Field(max_length=10_000)


class Recorded(BaseModel):
    recorded: int


def alert_events(note: AmNotification) -> list[store.NewEvent]:
    out = []
    for a in note.alerts:
        labels = a.labels
        out.append(store.NewEvent(
            EventSource.ALERT, labels.get("alertname", "alert"), sender="alertmanager",
            device=labels.get("device", ""), asset_tag=labels.get("asset_tag", ""),
            severity=labels.get("severity", "info"), subject=a.status,
            detail=a.annotations.get("summary", ""),
            data={"receiver": note.receiver, "labels": labels, "starts_at": a.startsAt,
                  "ends_at": a.endsAt, "fingerprint": a.fingerprint}))
    return out


@router.post("/api/v1/alerts/webhook")
def webhook(note: AmNotification, caller: Writer, db: DB) -> Recorded:
    """Record Alertmanager's notification (a technician's or admin's token)."""
    if caller.role == Role.LIAISON:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "role liaison may not do this")
    with db.write() as s:
        n = store.record_events(s, alert_events(note))
    return Recorded(recorded=n)


class EventPublic(BaseModel):
    at: datetime
    source: str
    kind: str
    severity: str
    device: str
    sender: str
    subject: str
    detail: str
    data: dict[str, Any] | None


@router.get("/api/v1/events", openapi_extra=cli("events"))
def list_events(caller: AnyCaller, db: DB, device: str | None = None,
                source: EventSource | None = None,
                limit: int = Query(default=50, ge=1, le=1000)) -> list[EventPublic]:
    """Events, newest first; a liaison sees those of its district's devices only."""
    with db.read() as s:
        rows = store.list_events(s, device=device, source=source, limit=limit,
                                 district=caller.scope.district)
        return [EventPublic(at=e.at, source=e.source.value, kind=e.kind, severity=e.severity,
                            device=e.device_name, sender=e.sender, subject=e.subject,
                            detail=e.detail, data=e.data) for e in rows]
