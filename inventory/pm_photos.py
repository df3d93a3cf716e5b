"""Photos of a PM visit, kept in the store beside the task (so a backup keeps them)."""

from __future__ import annotations

import hashlib

from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.errors import InvalidInput, NotFound
from muniops.inventory.models import Asset, Site
from muniops.inventory.models.pm import PmTask
from muniops.inventory.models.web import PmPhoto
from muniops.inventory.scope import EVERYWHERE, Scope

# what a phone's camera writes; anything else is refused rather than served back later
IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png",
               b"RIFF": "image/webp"}


def image_type(data: bytes) -> str:
    for magic, kind in IMAGE_TYPES.items():
        if data.startswith(magic) and (kind != "image/webp" or data[8:12] == b"WEBP"):
            return kind
    raise InvalidInput("photo", "not a JPEG, PNG or WebP image")


def _task(session: Session, task_id: int, scope: Scope) -> PmTask:
    task = session.get(PmTask, task_id)
    asset = session.get(Asset, task.asset_id) if task else None
    site = session.get(Site, asset.site_id) if asset and asset.site_id else None
    if task is None or not scope.covers(site):
        raise NotFound("PM task", task_id)
    return task


def attach(session: Session, task_id: int, data: bytes, *, actor: str, max_bytes: int,
           scope: Scope = EVERYWHERE) -> PmPhoto:
    if not data:
        raise InvalidInput("photo", "the file is empty")
    if len(data) > max_bytes:
        raise InvalidInput("photo", f"larger than {max_bytes // (1024 * 1024)} MiB")
    _task(session, task_id, scope)
    photo = PmPhoto(task_id=task_id, content_type=image_type(data), size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by=actor)
    session.add(photo)
    session.flush()
    audit.record(session, actor, "pm.photo", "pm_task", task_id,
                 after={"photo": photo.id, "sha256": photo.sha256, "size": photo.size})
    return photo


def photos_of(session: Session, task_id: int) -> list[int]:
    return list(session.exec(select(PmPhoto.id).where(PmPhoto.task_id == task_id)
                             .order_by(col(PmPhoto.id))))  # type: ignore[arg-type]


def get(session: Session, photo_id: int, scope: Scope = EVERYWHERE) -> PmPhoto:
    photo = session.get(PmPhoto, photo_id)
    if photo is None:
        raise NotFound("photo", photo_id)
    _task(session, photo.task_id, scope)
    return photo
