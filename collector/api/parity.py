"""Which CLI command a route serves: ``openapi_extra=cli("pm due")`` puts the command's
name in the route's OpenAPI operation (``x-cli``), so ``docs/api.md`` is generated from
the CLI and the schema alone (``scripts/api_table.py``) and a CLI command without a route
is found by a test."""

from __future__ import annotations

from typing import Any

CLI_KEY = "x-cli"


def cli(*commands: str) -> dict[str, Any]:
    """The OpenAPI extension naming the CLI commands (``"group command"``) a route serves."""
    return {CLI_KEY: list(commands)}
