"""A report's body read into a ``Report``: expanded within its limit, parsed, checked.

The API does this for a heartbeat on its event loop; an ingest worker (``pool.py``) does it
for a full report in its own process. Either way a body that is not a report is refused
with the field at fault and the reason counted (``Rejected``)."""

from __future__ import annotations

import json
import zlib
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from muniops.inventory.agent_policy import AgentSettings
from muniops.inventory.agent_schema import SCHEMA_VERSIONS, Report
from muniops.inventory.types import utcnow


class Rejected(Exception):
    """A body refused as it is: ``code`` the HTTP status, ``reason`` the counter's label."""

    def __init__(self, code: int, reason: str, field: str, detail: str) -> None:
        super().__init__(code, reason, field, detail)  # all four: it crosses processes
        self.code, self.reason, self.field, self.detail = code, reason, field, detail


def expand(raw: bytes, encoding: str, limit: int) -> bytes:
    if encoding.strip().lower() not in ("gzip", "x-gzip"):
        return raw
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise Rejected(400, "malformed", "body", f"not valid gzip: {exc}") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise Rejected(413, "too_large", "body", f"report expands beyond {limit} bytes")
    return data


def parse(data: bytes) -> Report:
    """A valid report is parsed and validated in one pass by pydantic-core (several times
    faster than ``json.loads`` then validation); anything else is read again the slow way,
    to say exactly what is wrong with it."""
    try:
        report = Report.model_validate_json(data)
    except ValidationError:
        return _explain(data)
    if report.schema_version not in SCHEMA_VERSIONS:
        return _explain(data)
    return report


def _explain(data: bytes) -> Report:
    try:
        doc: Any = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Rejected(400, "malformed", "body", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise Rejected(400, "malformed", "body", "JSON nested too deeply") from None
    if not isinstance(doc, dict):
        raise Rejected(400, "malformed", "body", "a report is a JSON object")
    version = doc.get("schema_version")
    if version not in SCHEMA_VERSIONS:
        raise Rejected(400, "schema_version", "schema_version",
                       f"unsupported schema version {version!r}; this collector reads "
                       f"{', '.join(map(str, SCHEMA_VERSIONS))}")
    try:
        return Report.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Rejected(400, "malformed", where, f"{where}: {first['msg']}") from None


def check_age(report: Report, limits: AgentSettings) -> None:
    """A report from the future would freeze a host's facts (newer always wins); one older
    than the ledger remembers could be applied a second time."""
    now = utcnow()
    if report.created_at > now + timedelta(minutes=limits.max_clock_skew_minutes):
        raise Rejected(400, "malformed", "created_at",
                       f"created_at {report.created_at.isoformat()} is in the future: "
                       "check the host's clock")
    if report.created_at < now - timedelta(days=limits.ledger_days - 1):
        raise Rejected(400, "malformed", "created_at",
                       f"created_at is older than the {limits.ledger_days - 1} days this "
                       "collector remembers reports for")


def parse_checked(data: bytes, limits: AgentSettings) -> Report:
    """An expanded body parsed, and its age checked."""
    report = parse(data)
    check_age(report, limits)
    return report


def read(raw: bytes, encoding: str, limits: AgentSettings) -> Report:
    """The whole reading of one body, as sent."""
    return parse_checked(expand(raw, encoding, limits.max_report_expanded_bytes), limits)
