"""How the CLI speaks: rich tables for people, JSON for scripts, errors on stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from muniops.inventory.safe_text import for_terminal, without_surrogates

if TYPE_CHECKING:
    from pydantic import BaseModel

console = Console()
err_console = Console(stderr=True)

# ``muniops --wide``: every column of a table, however wide (set by the root command)
WIDE_ENV = "MUNIOPS_WIDE"
wide = False
ID_WIDTH = 17  # a column keeps at least this (a MAC address) before it may be left out


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
    if isinstance(value, datetime):  # stored in UTC; said so, since sites have other zones
        utc = value.astimezone(UTC) if value.tzinfo else value
        return utc.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if hasattr(value, "value"):  # enums
        return str(value.value)
    return str(value)


def _width() -> int:
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else console.width


def _is_wide() -> bool:
    return wide or os.environ.get(WIDE_ENV, "") not in ("", "0")


def _needs(header: str, values: list[str]) -> int:
    """The width a column needs not to be cut: its header's longest word, and its values
    up to ``ID_WIDTH`` (longer ones wrap)."""
    longest = max((len(v) for v in values), default=0)
    return max(max(len(w) for w in header.split()), min(longest, ID_WIDTH), 1)


def fit_columns(headers: list[str], cells: list[list[str]], width: int) -> list[int]:
    """The columns (by index, in order) that fit ``width``: the first always, then each in
    turn while what it needs fits; a column that does not fit is left out, not squeezed."""
    kept: list[int] = []
    used = 1  # the left border
    for i, header in enumerate(headers):
        need = _needs(header, [row[i] for row in cells]) + 3  # padding and a border
        if not kept or used + need <= width:
            kept.append(i)
            used += need
    return kept


def _widths(headers: list[str], cells: list[list[str]], kept: list[int],
            width: int | None) -> list[int]:
    """Each kept column's width: what it needs, and the room left shared out among those
    whose values are longer, in proportion; all of its natural width when there is room."""
    if width is None:
        return [max([len(headers[i]), *(len(r[i]) for r in cells)]) for i in kept]
    natural = [max([max(len(w) for w in headers[i].split()), *(len(r[i]) for r in cells)])
               for i in kept]
    needs = [_needs(headers[i], [r[i] for r in cells]) for i in kept]
    room = width - 1 - 3 * len(kept) - sum(needs)
    extra = [n - m for n, m in zip(natural, needs, strict=True)]
    if room <= 0 or sum(extra) == 0:
        return needs
    if sum(extra) <= room:
        return natural
    share = [m + e * room // sum(extra) for m, e in zip(needs, extra, strict=True)]
    return share


def table(rows: Sequence[BaseModel | dict[str, Any]], columns: Iterable[str],
          title: str | None = None) -> None:
    """Print ``columns`` of ``rows`` as a table; header names are the field names.

    Columns are chosen by the terminal's width, in the order given (the first ones matter
    most); those left out are named under the table. Values wrap instead of being cut.
    ``muniops --wide`` shows every column; ``--json`` every field."""
    cols = list(columns)
    headers = [c.replace("_", " ") for c in cols]
    data = [row if isinstance(row, dict) else row.model_dump() for row in rows]
    cells = [[cell(d.get(c)) for c in cols] for d in data]
    width = _width()
    natural = sum(max([len(h), *(len(r[i]) for r in cells)]) + 3
                  for i, h in enumerate(headers)) + 1
    if _is_wide():
        kept, width = list(range(len(cols))), max(width, natural)
    else:
        kept = fit_columns(headers, cells, width)
    out = Console(width=width, file=sys.stdout)  # the width the columns were chosen for
    t = Table(title=title, header_style="bold", show_lines=False)
    widths = _widths(headers, cells, kept, None if _is_wide() else width)
    for i, w in zip(kept, widths, strict=True):
        t.add_column(headers[i], overflow="fold", width=w)
    for row in cells:
        t.add_row(*(row[i] for i in kept))
    out.print(t)
    if not rows:
        out.print("[dim](none)[/dim]")
    left_out = [headers[i] for i in range(len(cols)) if i not in kept]
    if left_out and rows:
        out.print(f"[dim]not shown: {', '.join(left_out)} (muniops --wide ... shows every "
                  "column, --json every field)[/dim]", highlight=False)


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
