"""Running a playbook: choose its devices, send each step's command over the collector's
SSH layer, parse and keep what the steps say, judge the checks. Devices run in parallel on
a bounded pool; a device that fails (wrong password, timeout, odd prompt, a session cut
mid-output) gets a failed result with its cause and never stops the others."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from muniops.collector.core.credentials import SshLogin
from muniops.collector.ssh.errors import SshError
from muniops.collector.ssh.platforms import get_platform
from muniops.collector.ssh.pool import run_each
from muniops.collector.ssh.target import SshSession, SshTarget
from muniops.inventory.configs import CheckOutcome
from muniops.inventory.errors import CredentialError
from muniops.playbooks.model import Playbook, Step, Targets, render
from muniops.playbooks.text import (
    ParseError,
    facts_from,
    judge,
    normalise,
    parse,
    redact,
    shown,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Device:
    """A device a playbook can run on; ``credential`` names an SSH login."""

    name: str
    host: str
    platform: str
    port: int = 22
    credential: str = ""
    site: str = ""
    kind: str = ""
    tags: tuple[str, ...] = ()


def selected(targets: Targets, devices: Iterable[Device]) -> list[Device]:
    """The devices every given criterion of ``targets`` matches."""
    def fits(d: Device) -> bool:
        return ((not targets.platforms or d.platform in targets.platforms)
                and (not targets.kinds or d.kind in targets.kinds)
                and (not targets.sites or d.site in targets.sites)
                and (not targets.tags or bool(set(d.tags) & set(targets.tags))))
    return [d for d in devices if fits(d)]


@dataclass
class StepResult:
    name: str
    command: str
    output: str = ""
    rows: list[dict[str, Any]] | None = None
    error: str | None = None


@dataclass
class DeviceResult:
    device: str
    platform: str
    site: str = ""
    cause: str | None = None  # None: the device completed
    error: str | None = None
    duration_s: float = 0.0
    steps: list[StepResult] = field(default_factory=list)
    config: str | None = None  # normalised, secrets included (the store keeps them)
    facts: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    checks: list[CheckOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.cause is None

    def public(self, playbook: Playbook, *, secrets: bool = False) -> dict[str, Any]:
        """What ``--json`` prints: captured data and check outcomes, secrets redacted."""
        keep = {s.name: s.keep for s in playbook.steps}
        return {
            "device": self.device, "platform": self.platform, "site": self.site,
            "ok": self.ok, "cause": self.cause, "error": self.error,
            "duration_s": round(self.duration_s, 3),
            "steps": [{"name": s.name, "command": s.command, "error": s.error,
                       **({"output": shown(s.output, playbook, secrets=secrets)}
                          if keep.get(s.name) in ("output", "evidence") else {})}
                      for s in self.steps],
            "config": shown(self.config, playbook, secrets=secrets) if self.config else None,
            "facts": self.facts,
            "evidence": self.evidence,
            "checks": [{"id": c.rule, "title": c.title, "severity": c.severity.value,
                        "passed": c.passed, "detail": shown(c.detail, playbook,
                                                            secrets=secrets),
                        "remediation": c.remediation} for c in self.checks],
        }


LoginLookup = Callable[[Device], SshLogin]
Connect = Callable[[SshTarget], AbstractContextManager[SshSession]]


class Runner:
    """Runs one playbook; ``login_for`` finds a device's SSH login (CredentialError: none
    usable)."""

    def __init__(self, playbook: Playbook, login_for: LoginLookup, *, workers: int = 8,
                 variables: dict[str, Any] | None = None, connect_timeout: float = 20.0,
                 connect: Connect | None = None) -> None:
        self.playbook = playbook
        self.login_for = login_for
        self.workers = workers
        self.variables = {**playbook.vars, **(variables or {})}
        self.connect_timeout = connect_timeout
        if connect is None:  # netmiko and paramiko load only when a playbook really runs
            from muniops.collector.ssh.session import Connection

            connect = Connection
        self.connect = connect

    def plan(self, device: Device) -> list[tuple[Step, str]]:
        """The steps that apply to ``device`` and the command each would send."""
        out = []
        for step in self.playbook.steps:
            command = step.command_for(device.platform)
            if command is not None:
                out.append((step, render(command, self.variables)))
        return out

    def run(self, devices: Iterable[Device]) -> Iterator[DeviceResult]:
        """Each device's result as it completes."""
        for outcome in run_each(list(devices), self.run_one, workers=self.workers):
            assert outcome.value is not None  # run_one turns every SshError into a result
            yield outcome.value

    def run_one(self, device: Device) -> DeviceResult:
        result = DeviceResult(device.name, device.platform, device.site)
        started = time.monotonic()
        try:
            login = self.login_for(device)
        except CredentialError as exc:  # this device's credential only: the others go on
            result.cause, result.error = "no_credential", str(exc)
            return result
        target = SshTarget(device.name, device.host, device.platform, login, port=device.port,
                           timeout=self.connect_timeout)
        try:
            with self.connect(target) as session:
                self._steps(session, device, result)
        except SshError as exc:
            result.cause, result.error = exc.cause, str(exc)
        except Exception as exc:  # a bug must not stop the other devices; logged whole
            log.exception("playbook %s on %s failed", self.playbook.name, device.name)
            result.cause, result.error = "internal_error", type(exc).__name__
        result.duration_s = time.monotonic() - started
        if result.ok:
            self._judge(result)
        log.info("playbook %s %s: %s in %.2fs", self.playbook.name, device.name,
                 result.cause or "ok", result.duration_s)
        return result

    def _steps(self, session: SshSession, device: Device, result: DeviceResult) -> None:
        for step, command in self.plan(device):
            out = StepResult(step.name, command)
            result.steps.append(out)
            out.output = session.send_command(command, timeout=step.timeout
                                              or self.playbook.timeout)
            try:
                out.rows = parse(out.output, step.parse, _templates(device.platform), command)
            except ParseError as exc:
                out.error = str(exc)
                result.cause = result.cause or "parse_error"
                result.error = result.error or f"step {step.name}: {exc}"
                continue
            self._keep(step, out, result)

    def _keep(self, step: Step, out: StepResult, result: DeviceResult) -> None:
        if step.keep == "config":
            result.config = normalise(out.output, self.playbook.volatile)
        elif step.keep == "facts":
            result.facts.update({k: v for k, v in facts_from(out.rows, step.facts).items()
                                 if v})
        elif step.keep == "evidence":
            result.evidence[step.name] = out.rows if out.rows is not None else out.output

    def _judge(self, result: DeviceResult) -> None:
        steps = {s.name: s for s in result.steps}
        for check in self.playbook.checks:
            step = steps.get(check.step)
            if step is None:
                continue  # the step does not apply to this platform
            passed, detail = judge(check, step.output, step.rows, self.variables,
                                   self.playbook.redact)
            result.checks.append(CheckOutcome(  # details are stored: never with a secret
                check.id, check.title, check.severity, passed,
                redact(detail, self.playbook.redact),
                render(check.remediation, self.variables)))


def _templates(platform: str) -> str:
    return get_platform(platform).templates
