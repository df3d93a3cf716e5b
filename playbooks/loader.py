"""Reading playbooks: built-in ones from ``builtin/``, others from a file path. Errors
name the file, the line and the field, like ``backup.yaml:12: steps[0].send: ...``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from muniops.inventory.validation import what
from muniops.playbooks.model import Playbook

_NAMED = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)*): (.*)$", re.DOTALL)
BUILTIN = Path(__file__).resolve().parent / "builtin"


class PlaybookError(Exception):
    """A playbook is missing or invalid; the message says where and why."""


def _lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """The line (1-based) where each path of the document starts."""
    found = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found.update(_lines(value, (*path, key.value)))
            found[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found.update(_lines(item, (*path, i)))
    return found


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> tuple[int, str]:
    """The line of the deepest part of ``loc`` present in the document, and its path."""
    parts = tuple(p for p in loc if isinstance(p, int | str))
    for n in range(len(parts), -1, -1):
        if parts[:n] in lines:
            return lines[parts[:n]], _dotted(parts[:n]) if n == len(parts) else _dotted(parts)
    return 1, _dotted(parts)


def parse_playbook(text: str, source: str) -> Playbook:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        raise PlaybookError(f"{source}{at}: not valid YAML: "
                            f"{getattr(exc, 'problem', None) or exc}") from None
    if node is None or not isinstance(data, dict):
        raise PlaybookError(f"{source}:1: expected a mapping (name, targets, steps...)")
    lines = _lines(node)
    try:
        return Playbook.model_validate(data)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            msg = what(err)
            # a whole-playbook rule names the field it found wrong: "checks[0].step: ..."
            if not loc and (m := _NAMED.match(msg)):
                loc = tuple(int(p) if p.isdigit() else p
                            for p in re.findall(r"[A-Za-z_]+|\d+", m.group(1)))
                msg = m.group(2)
            line, where = _line_of(loc, lines)
            out.append(f"{source}:{line}: {where}: {msg}")
        raise PlaybookError("\n".join(out)) from None


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN.glob("*.yaml"))


def load_playbook(ref: str | Path) -> Playbook:
    """A built-in playbook by name, or a playbook file by path."""
    path = Path(ref)
    if not path.suffix and (BUILTIN / f"{ref}.yaml").exists():
        path = BUILTIN / f"{ref}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlaybookError(f"no playbook {str(ref)!r}: built-in ones are "
                            f"{', '.join(builtin_names())}, or give a file path") from None
    return parse_playbook(text, path.name)


def builtin_playbooks() -> list[Playbook]:
    return [load_playbook(name) for name in builtin_names()]
