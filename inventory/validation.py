"""The one way a pydantic validation error is said to a person: each problem as
``where: what``, an unknown key called so, and never the value that was given (it may be
a secret). Config files, credentials, profiles, rules, playbooks and the CLI use it."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails


def where(err: ErrorDetails, top: str = "(top level)") -> str:
    return ".".join(str(p) for p in err["loc"]) or top


def what(err: ErrorDetails) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key"
    return str(err["msg"]).removeprefix("Value error, ")


def problems(exc: ValidationError, top: str = "(top level)") -> list[str]:
    """``where: what`` for each error of ``exc``."""
    return [f"{where(e, top)}: {what(e)}" for e in exc.errors()]


def indented(head: str, lines: Sequence[str]) -> str:
    return "\n".join([head, *(f"  {line}" for line in lines)])
