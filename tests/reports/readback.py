"""Reading a PDF back as its readers do: the text per page (pdftotext) and the page count
(pdfinfo)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def pages_text(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          check=True, text=True).stdout
    return text.split("\f")[:-1]


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True,
                          text=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert found, info
    return int(found.group(1))


def plain(text: str) -> str:
    """Without the bidi marks pdftotext puts around right-to-left runs."""
    return re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
