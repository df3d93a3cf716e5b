"""Text from devices, agents and imports made safe for where it is shown: a terminal (no
escape sequences), a spreadsheet (no formulas, as OWASP's "CSV injection" page advises) and
any UTF-8 writer (no lone surrogates). The store keeps what it was given; these functions
only change how it is written out."""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab and line feed, DEL, C1 controls (0x9b is a one-byte CSI)
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# what XML 1.0 (so XLSX) cannot hold, and C1; tab, LF and CR are kept as text
_SHEET_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# a cell starting with one of these is read as a formula (or DDE) by spreadsheet programs
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?%?")
REPLACEMENT = "\ufffd"


def without_surrogates(text: str) -> str:
    """Lone surrogates (from a broken decoder upstream) as U+FFFD: UTF-8 cannot hold them."""
    return _SURROGATE.sub(REPLACEMENT, text)


def for_terminal(text: str) -> str:
    """Control characters shown as ``\\x1b``-style escapes, so a hostname cannot clear the
    screen, move the cursor or rewrite a line; lone surrogates as U+FFFD."""
    return _TERMINAL_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}",
                                 without_surrogates(text))


def for_spreadsheet(text: str) -> str:
    """Characters no spreadsheet cell can hold (NUL, other C0 and C1 controls, lone
    surrogates) as U+FFFD; tab, CR and LF are kept."""
    return without_surrogates(_SHEET_CONTROL.sub(REPLACEMENT, text))


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet read this cell as a formula? Plain numbers (``-5``, ``+3.2``)
    are numbers, not formulas."""
    return text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text)


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that would start a formula gets a leading ``'`` (OWASP), text that
    no writer can encode is cleaned; anything else is returned as it is."""
    if not isinstance(value, str):
        return value
    text = for_spreadsheet(value)
    return "'" + text if is_formula_like(text) else text


def xlsx_cell(value: Any) -> Any:
    """An XLSX cell: text that would start a formula is stored as a string cell (openpyxl
    writes any ``str`` starting with ``=`` as a formula), characters XML cannot hold are
    cleaned; anything else is returned as it is."""
    if not isinstance(value, str):
        return value
    text = for_spreadsheet(value)
    if is_formula_like(text):
        from openpyxl.cell.rich_text import CellRichText  # always written as text

        return CellRichText(text)
    return text
