"""Every CLI command has an API route, or docs/api.md says why not; the table there is
generated from the CLI and the OpenAPI schema and must be current."""

from __future__ import annotations

from scripts import api_table


def test_every_cli_command_has_a_route_or_a_reason() -> None:
    commands = api_table.cli_commands()
    routes = api_table.routes_by_command(api_table.openapi())
    why = api_table.exceptions()
    assert len(commands) > 50  # the walk found the whole CLI, not one group
    lacking = [c for c in commands if c not in routes and c not in why]
    assert not lacking, f"CLI commands without a route or a reason in docs/api-exceptions.yaml: " \
                        f"{lacking}"
    stale = sorted(c for c in why if c in routes or c not in commands)
    assert not stale, f"docs/api-exceptions.yaml explains commands that have a route or are " \
                      f"gone: {stale}"
    unknown = sorted(set(routes) - set(commands))
    assert not unknown, f"routes name CLI commands that do not exist: {unknown}"


def test_a_command_without_a_route_is_caught() -> None:
    """The check above can fail: a command named by no route and no reason is reported."""
    routes = api_table.routes_by_command(api_table.openapi())
    commands = [*api_table.cli_commands(), "imaginary command"]
    assert [c for c in commands if c not in routes and c not in api_table.exceptions()] == [
        "imaginary command"]


def test_docs_api_md_is_generated_from_the_cli_and_the_schema() -> None:
    current = api_table.API_MD.read_text(encoding="utf-8")
    assert api_table.rewrite(current, api_table.generated()) == current, \
        "docs/api.md is stale: run python scripts/api_table.py"
    assert "| `muniops pm due` | `GET /api/v1/pm/due` |" in current
    assert "| `muniops serve` |  | Runs the API itself. |" in current
