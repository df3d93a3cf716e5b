"""Options of the commands that print a document (``assets receipt``, ``people leave``...):
typer reads them when the command group loads, so this module loads no report machinery."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.reports.choices import Calendar, Lang

DocLang = Annotated[Lang | None, typer.Option("--lang", help="Language of the document.")]
DocCalendar = Annotated[Calendar | None, typer.Option("--calendar", help="Calendar of dates.")]
