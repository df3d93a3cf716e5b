"""muniops' typed errors. Each carries the exit code the CLI ends with and the HTTP status
the API answers with; both edges translate any ``MuniopsError`` the same way, once
(``collector/cli/main.py``, ``collector/api/app.py``)."""

from dataclasses import dataclass


class MuniopsError(Exception):
    """Root of every error muniops raises on purpose."""

    exit_code: int = 1
    http_status: int = 400


class InventoryError(MuniopsError):
    """Base of every error the inventory raises on purpose."""


class NotFound(InventoryError):
    """Something named by the caller does not exist (or is outside the caller's scope)."""

    exit_code, http_status = 3, 404

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!s} not found")
        self.entity = entity
        self.key = key


class Conflict(InventoryError):
    """The change contradicts what is stored (a duplicate tag, an asset already assigned)."""

    exit_code, http_status = 4, 409


class InvalidInput(InventoryError):
    """A value is wrong; ``field`` names it."""

    exit_code, http_status = 5, 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class AccessDenied(InventoryError):
    """The caller's scope (a liaison's district) does not cover this change."""

    exit_code, http_status = 6, 403


class TokenRefused(InventoryError):
    """An agent's token that is unknown, revoked or replaced by a newer enrolment."""

    exit_code, http_status = 6, 401


@dataclass(frozen=True)
class RowError:
    """One rejected row of an import: its line in the file and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportRejected(InventoryError):
    """An import was refused whole; every rejected row is listed."""

    exit_code, http_status = 5, 422

    def __init__(self, source: str, errors: list[RowError]) -> None:
        head = f"{source}: {len(errors)} row(s) rejected, nothing imported"
        super().__init__("\n".join([head, *(f"  {e}" for e in errors)]))
        self.source = source
        self.errors = errors


class ConfigError(MuniopsError):
    """The configuration is wrong; the message names the file, the key and the problem."""

    exit_code, http_status = 7, 500


class NotInitialised(MuniopsError):
    """The database is missing or older than the code; ``muniops init`` fixes it."""

    exit_code, http_status = 8, 503


class CredentialError(ConfigError):
    """One named credential cannot be used (missing, wrong type, unset ``${VAR}``). Only
    the devices that use it fail; the message names the credential, never its secret."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"credential {name!r}: {reason}")
        self.name = name
        self.reason = reason
