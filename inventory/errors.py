"""The inventory's typed errors. Interfaces (CLI exit codes, HTTP statuses) translate them."""

from dataclasses import dataclass


class InventoryError(Exception):
    """Base of every error the inventory raises on purpose."""


class NotFound(InventoryError):
    """Something named by the caller does not exist (or is outside the caller's scope)."""

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!s} not found")
        self.entity = entity
        self.key = key


class Conflict(InventoryError):
    """The change contradicts what is stored (a duplicate tag, an asset already assigned)."""


class InvalidInput(InventoryError):
    """A value is wrong; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class AccessDenied(InventoryError):
    """The caller's scope (a liaison's district) does not cover this change."""


@dataclass(frozen=True)
class RowError:
    """One rejected row of an import: its line in the file and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportRejected(InventoryError):
    """An import was refused whole; every rejected row is listed."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        head = f"{source}: {len(errors)} row(s) rejected, nothing imported"
        super().__init__("\n".join([head, *(f"  {e}" for e in errors)]))
        self.source = source
        self.errors = errors
