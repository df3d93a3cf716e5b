"""How the CLI speaks: rich tables for people, JSON for scripts, errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from muniops.inventory.safe_text import for_terminal, without_surrogates

if TYPE_CHECKING:
    from pydantic import BaseModel

console = Console()
err_console = Console(stderr=True)


def emit_json(data: Any) -> None:
    """Write ``data`` (models, lists of models, dicts) as JSON on stdout."""
    from pydantic_core import to_jsonable_python

    text = json.dumps(to_jsonable_python(data), indent=2, ensure_ascii=False)
    sys.stdout.write(_escape_surrogates(text) + "\n")


def _escape_surrogates(text: str) -> str:
    """A lone surrogate as its JSON escape: stdout's UTF-8 cannot encode it as is."""
    if without_surrogates(text) == text:
        return text
    return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def cell(value: Any) -> str:
    """A value as table text (rich markup): control characters shown as escapes and
    markup escaped, so stored text (a hostname an agent sent) cannot drive the terminal."""
    return escape(for_terminal(_plain(value)))


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if hasattr(value, "value"):  # enums
        return str(value.value)
    return str(value)


def table(rows: Sequence[BaseModel | dict[str, Any]], columns: Iterable[str],
          title: str | None = None) -> None:
    """Print ``columns`` of ``rows`` as a table; header names are the field names."""
    cols = list(columns)
    t = Table(title=title, header_style="bold", show_lines=False)
    for c in cols:
        t.add_column(c.replace("_", " "))
    for row in rows:
        data = row if isinstance(row, dict) else row.model_dump()
        t.add_row(*(cell(data.get(c)) for c in cols))
    console.print(t)
    if not rows:
        console.print("[dim](none)[/dim]")


def fields(obj: BaseModel | dict[str, Any], title: str | None = None) -> None:
    """Print one record as a two-column table of field and value."""
    data = obj if isinstance(obj, dict) else obj.model_dump()
    t = Table(title=title, show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column()
    for key, value in data.items():
        t.add_row(key.replace("_", " "), cell(value))
    console.print(t)


def _shown(message: str) -> str:
    """A message that may quote stored text (a tag, a hostname) as safe rich markup."""
    return escape(for_terminal(message))


def done(message: str) -> None:
    console.print(f"[green]✓[/green] {_shown(message)}")


def error(message: str) -> None:
    err_console.print(f"[red]error:[/red] {_shown(message)}", highlight=False, markup=True,
                      soft_wrap=True)
