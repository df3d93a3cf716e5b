"""Every usage mistake, in every command of every feature: one line on stderr, exit 2,
no traceback. The commands are found from ``collector/features.py``, so a new command
is covered the day it is declared."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.core import TyperArgument, TyperOption

from muniops.collector.cli.main import LazyGroup, invoke
from muniops.collector.features import FEATURES

BAD = "no-such-value-%%"


def _leaves(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(getattr(cmd, "commands", None), dict):  # a group
        for name, sub in sorted(cmd.commands.items()):
            yield from _leaves(sub, (*path, name))
    else:
        yield path, cmd


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    found = []
    for feature in FEATURES:
        for command in feature.commands:
            found += _leaves(LazyGroup._load(command, feature.panel), (command.name,))
    return found


COMMANDS = _commands()
IDS = [" ".join(p) for p, _ in COMMANDS]


def _checked(annotation: Any) -> bool:
    return isinstance(annotation, type) and (
        issubclass(annotation, int | float | enum.Enum | date) and annotation is not bool)


def _typed_option(cmd: Any) -> TyperOption | None:
    """An option whose value is checked by its type (a number, a choice, a date)."""
    for p in cmd.params:
        if isinstance(p, TyperOption) and not p.is_flag and not p.count and _checked(
                p.type_descriptor.annotation):
            return p
    return None


def _placeholders(cmd: Any) -> list[str]:
    """A plausible value for each required argument, so only the mistake under test is wrong."""
    values: list[str] = []
    for p in cmd.params:
        if isinstance(p, TyperArgument) and p.required:
            n = p.nargs if p.nargs > 0 else 1
            values += ["1"] * n
    return values


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")
    config = tmp_path / "muniops.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n")

    def _run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = invoke(["--config", str(config), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return _run


def _is_usage_error(code: int, out: str, err: str) -> None:
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "--help" in lines[0]  # says where to read more


def test_every_feature_declares_commands() -> None:
    assert {f.name for f in FEATURES} >= {
        "register", "snmp", "ssh", "discovery", "agents", "pm", "reports", "system"}
    assert len(COMMANDS) > 40


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=IDS)
def test_unknown_option(run, path: tuple[str, ...], cmd: Any) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(*path, *_placeholders(cmd), "--no-such-option")
    _is_usage_error(code, out, err)
    assert "--no-such-option" in err


def _requires_arguments(cmd: Any) -> bool:
    return any(isinstance(p, TyperArgument) and p.required for p in cmd.params)


# only the commands that have what is tested: a skip fails the run in CI
WITH_ARGUMENTS = [(p, c) for p, c in COMMANDS if _requires_arguments(c)]


@pytest.mark.parametrize(("path", "cmd"), WITH_ARGUMENTS,
                         ids=[" ".join(p) for p, _ in WITH_ARGUMENTS])
def test_missing_argument(run, path: tuple[str, ...], cmd: Any) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(*path)
    _is_usage_error(code, out, err)
    assert "Missing argument" in err


def _bad_value(cmd: Any) -> tuple[list[str], str] | None:
    """Arguments with one wrong value for a typed option (or, failing that, a typed
    argument), and the name the message must give; None if nothing is typed."""
    option = _typed_option(cmd)
    if option is not None:
        return [*_placeholders(cmd), option.opts[0], BAD], option.opts[0]
    args: list[str] = []
    named = None
    for p in cmd.params:
        if isinstance(p, TyperArgument) and p.required:
            if named is None and _checked(p.type_descriptor.annotation):
                args.append(BAD)
                named = p.name.upper()
            else:
                args += ["1"] * (p.nargs if p.nargs > 0 else 1)
    return (args, named) if named else None


WITH_TYPED = [(p, c) for p, c in COMMANDS if _bad_value(c) is not None]


@pytest.mark.parametrize(("path", "cmd"), WITH_TYPED, ids=[" ".join(p) for p, _ in WITH_TYPED])
def test_bad_value(run, path: tuple[str, ...], cmd: Any) -> None:  # type: ignore[no-untyped-def]
    bad = _bad_value(cmd)
    assert bad is not None
    code, out, err = run(*path, *bad[0])
    _is_usage_error(code, out, err)
    assert "Invalid value" in err and bad[1].lower() in err.lower(), err


def test_bad_value_coverage() -> None:
    """Most command groups have a typed parameter, so the bad-value case is exercised."""
    groups = {p[0] for p, c in COMMANDS if _bad_value(c) is not None}
    assert len(groups) >= 8, groups


@pytest.mark.parametrize("args", [
    ["--bogus"], ["bogus"], ["assets", "list", "--bogus"], ["assets", "bogus"],
    ["agents", "--stale", "true"], ["assets", "list", "--kind", "spaceship"],
    ["pm", "due", "--days", "many"],
])
def test_the_issues_examples(run, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    _is_usage_error(*run(*args))


def test_a_group_without_command_shows_its_help(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("assets")
    assert code == 0 and "Usage:" in out and not err
