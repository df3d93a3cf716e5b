"""Options shared by many commands, declared once."""

from typing import Annotated

import typer

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
