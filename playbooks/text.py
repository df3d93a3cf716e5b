"""What a playbook does with a command's output: normalise it, hide its secrets, parse it
(TextFSM: ntc-templates by platform and command, or the playbook's own template), and
judge it against the checks. Pure functions on text, tested on recorded outputs."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import textfsm
import yaml
from ntc_templates.parse import ParsingException, parse_output

from muniops.playbooks.model import Check, Condition, OwnTemplate, Playbook, Redaction, render


class ParseError(Exception):
    """The output could not be parsed (no template, or the template failed)."""


def normalise(text: str, volatile: Sequence[str]) -> str:
    """Drop volatile lines, trailing spaces and surrounding blank lines; one newline at end."""
    drops = [re.compile(p) for p in volatile]
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept = [ln for ln in lines if not any(d.search(ln) for d in drops)]
    return "\n".join(kept).strip("\n") + "\n"


@cache
def default_redactions() -> tuple[Redaction, ...]:
    """The secrets every playbook hides (``redact.yaml``)."""
    data = yaml.safe_load((Path(__file__).parent / "redact.yaml").read_text(encoding="utf-8"))
    return tuple(Redaction.model_validate(r) for r in data["rules"])


def redact(text: str, rules: Sequence[Redaction] = ()) -> str:
    """Hide secrets: the default rules' and ``rules``' matches, on every line."""
    for rule in (*default_redactions(), *rules):
        text = re.sub(rule.pattern, rule.replace, text, flags=re.MULTILINE)
    return text


def parse(output: str, how: str | OwnTemplate, platform: str, command: str
          ) -> list[dict[str, Any]] | None:
    """Rows of the parsed output (lowercase field names), or None for ``parse: none``."""
    if how == "none":
        return None
    if isinstance(how, OwnTemplate):
        try:
            fsm = textfsm.TextFSM(io.StringIO(how.template))
            rows = fsm.ParseText(output)
        except (textfsm.TextFSMTemplateError, textfsm.TextFSMError) as exc:
            raise ParseError(f"own template: {exc}") from None
        return [{k.lower(): v for k, v in zip(fsm.header, row, strict=True)} for row in rows]
    try:
        parsed = parse_output(platform=platform, command=command, data=output)
    except ParsingException as exc:
        raise ParseError(str(exc).split(" - ")[0]) from None
    return [dict(row) for row in parsed]


def facts_from(rows: list[dict[str, Any]] | None, mapping: dict[str, str]) -> dict[str, str]:
    """Each fact is a format string over the first row; a missing field gives ''."""
    row = (rows or [{}])[0]
    out = {}
    for name, fmt in mapping.items():
        try:
            out[name] = fmt.format_map(row).strip()
        except (KeyError, IndexError, ValueError, AttributeError):
            out[name] = ""
    return out


def _compare(actual: Any, op: str, expected: str | int | float) -> bool:
    if op == "matches":
        return re.search(str(expected), str(actual)) is not None
    try:
        a, e = float(actual), float(expected)
    except (TypeError, ValueError):
        a, e = str(actual), str(expected)  # type: ignore[assignment]
    if op in ("eq", "ne"):
        return (a == e) == (op == "eq")
    try:
        return {"lt": a < e, "le": a <= e, "gt": a > e, "ge": a >= e}[op]
    except TypeError:
        return False


def _judge_rows(rows: list[dict[str, Any]] | None, cond: Condition, expected: str
                ) -> tuple[bool, str]:
    if not rows:
        return False, "nothing was parsed to check"
    field = cond.field.lower()
    failing = []
    for i, row in enumerate(rows):
        if field not in row:
            return False, f"the parsed output has no field {cond.field!r}"
        if not _compare(row[field], cond.op, expected):
            name = str(row.get(cond.label.lower(), i)) if cond.label else f"row {i + 1}"
            failing.append(f"{name}: {cond.field}={row[field]}")
    if failing:
        shown = "; ".join(failing[:10]) + (f" (+{len(failing) - 10} more)"
                                            if len(failing) > 10 else "")
        return False, f"not {cond.op} {expected}: {shown}"
    return True, f"{len(rows)} row(s) {cond.op} {expected}"


def _line_at(text: str, pos: int) -> str:
    end = text.find("\n", pos)
    return text[text.rfind("\n", 0, pos) + 1:end if end >= 0 else len(text)].strip()


def judge(check: Check, output: str, rows: list[dict[str, Any]] | None,
          variables: dict[str, Any], hide: Sequence[Redaction] = ()) -> tuple[bool, str]:
    """Whether the output passes ``check``, and a one-line reason, secrets redacted."""
    if check.must_match is not None:
        found = re.search(render(check.must_match, variables), output, re.MULTILINE)
        return (True, "present") if found else (False, "required setting not found")
    if check.must_not_match is not None:
        lines = [redact(_line_at(output, m.start()), hide) for m in re.finditer(
            render(check.must_not_match, variables), output, re.MULTILINE)]
        return (True, "absent") if not lines else (
            False, f"found {len(lines)} line(s): {lines[0]!r}")
    assert check.where is not None
    expected = render(str(check.where.value), variables)
    return _judge_rows(rows, check.where, expected)


def shown(text: str, playbook: Playbook, *, secrets: bool = False) -> str:
    """Text as people and scripts see it: secrets redacted unless asked for."""
    return text if secrets else redact(text, playbook.redact)
