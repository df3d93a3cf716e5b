"""The one way a feature plugs into muniops.

Each feature folder's ``__init__.py`` declares a ``Feature``: the config section it reads,
the runtime it starts inside ``muniops serve`` (its jobs and metric collectors, holding
the feature's state), its API routers and its CLI commands. Everything heavy is named by
an import string (``"package.module:attribute"``), so the CLI can list every command
without importing any feature, and a command imports only its own feature.
``collector/features.py`` lists the features; the service and the CLI read that list."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from prometheus_client.registry import Collector as PromCollector

    from muniops.collector.core.service import Collector


def load(target: str) -> Any:
    """The object an import string names: ``"muniops.collector.snmp.cli:app"``."""
    module, sep, attr = target.partition(":")
    if not sep or not attr:
        raise ValueError(f"expected 'module:attribute', got {target!r}")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class Command:
    """A CLI entry: a typer app mounted as a group, or a function as a top-level command.

    ``help`` is the one line ``muniops --help`` shows without importing ``target``."""

    name: str
    target: str
    help: str
    group: bool = True


@dataclass(frozen=True)
class Job:
    """A periodic job of a running feature. ``pool`` names the executor it runs in (one
    per feature unless it says otherwise): a long job never delays another pool's jobs.
    ``once_per_store``: the job acts on the whole store, so of several processes on one
    store only one runs each turn (``core/turns.py``)."""

    name: str
    every_seconds: int
    run: Callable[[], None]
    pool: str = ""
    concurrency: int = 1
    once_per_store: bool = False


class Runtime:
    """What a feature keeps while ``muniops serve`` runs. Subclasses hold the feature's
    state (never module globals) and say which jobs and metric collectors it has."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector

    def jobs(self) -> Sequence[Job]:
        return ()

    def metrics(self) -> Iterable[PromCollector]:
        return ()

    def start(self) -> None:
        """Start long-running listeners; called once by ``serve`` after every runtime."""

    def close(self) -> None:
        """Release what the runtime holds; called once when the service stops."""


R = TypeVar("R", bound=Runtime)


def runtime_of(holder: Any, cls: type[R]) -> R | None:
    """The running feature of type ``cls`` kept on ``holder.runtimes`` (the app's state),
    or None where it does not run (an app made without the service, in a test)."""
    for runtime in getattr(holder, "runtimes", {}).values():
        if isinstance(runtime, cls):
            return runtime
    return None


@dataclass(frozen=True)
class Feature:
    name: str
    summary: str
    panel: str  # the heading of ``muniops --help`` its commands are listed under
    config: str | None = None  # the ``Settings`` field it reads
    runtime: str | None = None  # "module:RuntimeSubclass"
    routers: tuple[str, ...] = ()  # "module:router"
    commands: tuple[Command, ...] = field(default_factory=tuple)

    def make_runtime(self, collector: Collector) -> Runtime | None:
        if self.runtime is None:
            return None
        cls = load(self.runtime)
        runtime = cls(collector)
        if not isinstance(runtime, Runtime):
            raise TypeError(f"{self.runtime} is not a Runtime")
        return runtime


def check_unique(features: Sequence[Feature]) -> None:
    """A duplicate feature, command or router is a programming error, said at once."""
    seen: dict[str, str] = {}
    for f in features:
        for key in (f"feature {f.name}", *(f"command {c.name}" for c in f.commands)):
            if key in seen:
                raise ValueError(f"{key} is declared by both {seen[key]} and {f.name}")
            seen[key] = f.name
