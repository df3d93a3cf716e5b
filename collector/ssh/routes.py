"""``/api/v1``: the built-in playbooks and running one (a background job), compliance
results, and the stored configurations' history, diffs and text — the operations the
``playbook``, ``compliance`` and ``config history/diff/get`` commands call. Devices are
keyed by name; a liaison sees and runs only its district's. Secrets stay redacted unless
an admin asks (``show_secrets``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from muniops.collector.api.auth import DB, AnyCaller, Caller, Writer
from muniops.collector.api.parity import cli
from muniops.collector.core.feature import runtime_of
from muniops.collector.jobs.registry import JobPublic
from muniops.collector.jobs.routes import submit
from muniops.collector.ssh.runs import (
    config_redactor,
    filter_devices,
    registered_devices,
    run_and_record,
)
from muniops.collector.ssh.runtime import SshRuntime
from muniops.inventory import configs
from muniops.inventory.errors import InvalidInput, NotFound
from muniops.inventory.models import Role
from muniops.inventory.sites import site_names
from muniops.playbooks.loader import builtin_names, load_playbook
from muniops.playbooks.model import Playbook
from muniops.playbooks.runner import selected

router = APIRouter(prefix="/api/v1", tags=["playbooks and configurations"])

Version = Annotated[int | None, Query(ge=1, lt=2**31)]
ShowSecrets = Annotated[bool, Query(description="Unredacted: admin only.")]


class RunBody(BaseModel):
    targets: list[str] = Field(default_factory=list, description=(
        "Device names, or site=, kind=, tag=, platform= (default: every device it targets)."))
    vars: dict[str, str] = Field(default_factory=dict, description="Playbook variables.")
    workers: int | None = Field(None, ge=1, le=64)


class VersionPublic(BaseModel):
    version: int
    collected_at: datetime
    lines: int
    sha256: str
    playbook: str


def _builtin(name: str) -> Playbook:
    """Over HTTP only the built-in playbooks: a caller names none of the host's files."""
    if name not in builtin_names():
        raise NotFound("playbook", repr(name))
    return load_playbook(name)


def _secrets(caller: Caller, asked: bool) -> bool:
    if asked and caller.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin may see secrets")
    return asked


@router.get("/playbooks", openapi_extra=cli("playbook list"))
def list_playbooks(caller: AnyCaller) -> list[dict[str, Any]]:
    return [{"name": p.name, "description": p.description, "platforms": p.targets.platforms,
             "steps": len(p.steps), "checks": len(p.checks)}
            for p in map(load_playbook, builtin_names())]


@router.get("/playbooks/{name}", openapi_extra=cli("playbook show"))
def show_playbook(name: str, caller: AnyCaller) -> dict[str, Any]:
    return _builtin(name).model_dump(mode="json")


@router.post("/playbooks/{name}/run", status_code=status.HTTP_202_ACCEPTED,
             openapi_extra=cli("playbook run"))
def run_playbook(name: str, body: RunBody, request: Request, caller: Writer,
                 db: DB) -> JobPublic:
    """Run a built-in playbook on the registered devices it targets (a liaison: those of
    its district), recording what it captures; the answer is the job."""
    playbook = _builtin(name)
    settings = request.app.state.settings
    devices = selected(playbook.targets,
                       filter_devices(registered_devices(db, playbook.name), body.targets))
    with db.read() as s:
        names = site_names(s, caller.scope)
    if names is not None:
        devices = [d for d in devices if d.site in names]
    if not devices:
        raise InvalidInput("targets", f"no registered device matches playbook {name} and the "
                                      "targets given")
    runtime = runtime_of(request.app.state, SshRuntime)
    if runtime is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "playbooks are not running")
    stats, credentials, forward = runtime.stats, runtime.collector.credentials, runtime.forward

    def work() -> list[dict[str, Any]]:
        _, results = run_and_record(settings, db, name, devices=devices, actor=caller.actor,
                                    variables=body.vars, workers=body.workers,
                                    credentials=credentials, stats=stats, forward=forward)
        return [r.public(playbook) for r in results]

    return submit(request, caller, "playbook.run",
                  f"{name} on {', '.join(d.name for d in devices)}", work)


@router.get("/compliance", openapi_extra=cli("compliance"))
def compliance(caller: AnyCaller, db: DB, device: str | None = None,
               all: Annotated[bool, Query(description="Passing checks too.")] = False
               ) -> list[dict[str, Any]]:
    """Failing compliance checks (or all), most severe first."""
    with db.read() as s:
        rows = configs.compliance_results(s, failing_only=not all, device=device,
                                          scope=caller.scope)
    return [r.model_dump(mode="json", exclude={"id"}) for r in rows]


@router.get("/configs/{device}/history", openapi_extra=cli("config history"))
def config_history(device: str, caller: AnyCaller, db: DB) -> list[VersionPublic]:
    """A device's stored configuration versions (one per real change)."""
    with db.read() as s:
        return [VersionPublic(**r.model_dump()) for r in configs.history(s, device,
                                                                         caller.scope)]


@router.get("/configs/{device}/diff", openapi_extra=cli("config diff"))
def config_diff(device: str, caller: AnyCaller, db: DB,
                from_: Annotated[int | None, Query(alias="from", ge=1, lt=2**31)] = None,
                to: Version = None, show_secrets: ShowSecrets = False) -> dict[str, Any]:
    secrets = _secrets(caller, show_secrets)
    with db.read() as s:
        old, new = configs.versions_to_compare(s, device, from_, to, caller.scope)
    return {"device": device, "from": old.version, "to": new.version,
            "diff": configs.unified_diff(old, new, config_redactor(new, secrets))}


@router.get("/configs/{device}", openapi_extra=cli("config get"))
def config_get(device: str, caller: AnyCaller, db: DB, version: Version = None,
               show_secrets: ShowSecrets = False) -> dict[str, Any]:
    """A stored configuration version (default the latest), secrets redacted."""
    secrets = _secrets(caller, show_secrets)
    with db.read() as s:
        row = configs.get_version(s, device, version, caller.scope)
    return {"device": device, "version": row.version, "collected_at": row.collected_at,
            "sha256": row.sha256, "text": config_redactor(row, secrets)(row.text)}
