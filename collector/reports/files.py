"""A report or document written to a file: the format from the name (PDF by default), in
the configured language, calendar and letterhead."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from muniops.collector.reports.config import Format
from muniops.collector.reports.model import Report
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.render import render


def format_of(path: Path, default: Format = Format.PDF) -> Format:
    suffix = path.suffix.lower().lstrip(".")
    return Format(suffix) if suffix in Format.__members__.values() else default


def write_report(report: Report, path: Path, p: Presenter, fmt: Format | None = None) -> int:
    """Render and write atomically (a half-written PDF is never left under the name).
    Returns the size written."""
    data = render(report, fmt or format_of(path), p)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(data)
