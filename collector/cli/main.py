"""``muniops``: the admin CLI. Each feature declares its commands
(``collector/features.py``); they load only when called, so ``muniops --help`` and
``muniops --version`` import no feature and the store's libraries load only for commands
that use the store. Errors are translated here, once: usage mistakes exit 2 with one
line, every ``MuniopsError`` with its own exit code, never a traceback."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from difflib import get_close_matches
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from muniops.collector.cli import output
from muniops.collector.cli.output import error
from muniops.collector.core.feature import Command, Feature, load
from muniops.collector.features import FEATURES
from muniops.inventory.errors import MuniopsError

USAGE = 2


class LazyGroup(TyperGroup):
    """The root group: lists the features' commands from their declarations and imports a
    command's module only when that command runs (or shows its own help)."""

    features: Sequence[Feature] = FEATURES

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._entries: dict[str, tuple[Command, str]] = {
            c.name: (c, f.panel) for f in self.features for c in f.commands}
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self._entries, *(n for n in super().list_commands(ctx)
                                  if n not in self._entries)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in self._entries:
            return super().get_command(ctx, cmd_name)
        command, panel = self._entries[cmd_name]
        if self._listing:  # the root's help shows one line per command: import nothing
            return typer.main.TyperCommand(cmd_name, help=command.help,
                                           rich_help_panel=panel)
        loaded = self._load(command, panel)
        self.commands[cmd_name] = loaded
        return loaded

    @staticmethod
    def _load(command: Command, panel: str) -> Any:
        target = load(command.target)
        if command.group:
            group = typer.main.get_group(target)
            group.name = command.name
            group.rich_help_panel = panel
            return _plain_flags(group)
        single = typer.Typer()
        single.command(command.name, rich_help_panel=panel)(target)
        return _plain_flags(typer.main.get_command(single))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as exc:  # a mistyped command: suggest the lazy ones too
            message = getattr(exc, "message", "")
            close = get_close_matches(args[0], list(self._entries)) if args else []
            if close and "Did you mean" not in message:
                exc.message = f"{message.rstrip('.')}. Did you mean " \
                              f"{', '.join(repr(c) for c in close)}?"
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def _plain_flags(cmd: Any) -> Any:
    """Flags take no value: help shows ``--json``, not ``--json <bool>`` (typer 0.29 gives
    every boolean option a metavar)."""
    for sub in getattr(cmd, "commands", {}).values():
        _plain_flags(sub)
    for param in getattr(cmd, "params", []):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return cmd


app = typer.Typer(
    name="muniops",
    cls=LazyGroup,
    help="Network and IT-asset operations for a municipality's IT department.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        from muniops import __version__  # reads the installed metadata: only here

        typer.echo(f"muniops {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", envvar="MUNIOPS_CONFIG", help="Configuration file (YAML).",
        show_default=False)] = None,
    actor: Annotated[str | None, typer.Option(
        "--actor", envvar="MUNIOPS_ACTOR", help="Name recorded in the audit log.",
        show_default="cli:$USER")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="Tables show every column.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    from muniops.collector.cli.context import state

    state.reset(config, actor)
    output.wide = wide  # tables read it when they print
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _usage(exc: typer.TyperException) -> int:
    """One line for a usage mistake, with where to read more; help when it asked for it."""
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":  # a group named without a command
        typer.echo(exc.format_message())
        return 0
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    error(" ".join(f"{exc.format_message()}{hint}".split()))  # one line, however it wraps
    return int(getattr(exc, "exit_code", USAGE))


def _library_error(exc: Exception) -> tuple[str, int] | None:
    """The message and exit code of a library error that reached the edge, if it is one
    a user can act on. The libraries are imported only if they were loaded already."""
    import sys

    if "pydantic" in sys.modules:
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            from muniops.inventory.validation import problems

            return "; ".join(problems(exc, top="value")), 5
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import IntegrityError, OperationalError

        if isinstance(exc, IntegrityError):
            return f"conflicts with what is stored (written at the same time?): {exc.orig}", 4
        if isinstance(exc, OperationalError):
            return f"database: {exc.orig or exc}", 1
    return None


def invoke(argv: list[str] | None = None) -> int:
    """Run one command line and turn muniops' errors into messages and exit codes."""
    try:
        result = app(args=argv, prog_name="muniops", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        error("aborted")
        return 130
    except typer.TyperException as exc:
        return _usage(exc)
    except MuniopsError as exc:
        error(str(exc))
        return exc.exit_code
    except Exception as exc:
        known = _library_error(exc)
        if known is None:
            raise
        error(known[0])
        return known[1]
    finally:
        if "muniops.collector.cli.context" in sys.modules:  # a command ran: close its store
            sys.modules["muniops.collector.cli.context"].state.reset(None, None)
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry. muniops uses no pydantic plugins; looking for them scans every
    installed distribution's entry points on the first model, a tenth of a listing's
    start-up. Set ``PYDANTIC_DISABLE_PLUGINS`` to anything else to have them looked for."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    raise SystemExit(invoke())
