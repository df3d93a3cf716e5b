"""The district's one HTTPS client to its central: enrol, forward a batch, pull the copy.

The central is verified with the CA file of the config (``muniops tls init`` at the
central makes it), or the system's CAs. Every failure to reach or to be understood by the
central is a ``CentralUnreachable`` (retried later) or ``CentralRefused`` (said, kept);
the token never appears in either, nor an item's content (a validation error is said by
where and what, not by the value sent: a configuration's secrets)."""

from __future__ import annotations

import gzip
import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from muniops.collector.district.config import DistrictSettings
from muniops.inventory.errors import MuniopsError


class CentralUnreachable(MuniopsError):
    exit_code = 9
    http_status = 503


class CentralRefused(MuniopsError):
    exit_code = 9
    http_status = 502


class CentralLink:
    def __init__(self, settings: DistrictSettings) -> None:
        self.base = settings.central_url.rstrip("/")
        self.timeout = settings.timeout_seconds
        cafile = str(settings.ca_file) if settings.ca_file else None
        self.context = ssl.create_default_context(cafile=cafile)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             *, compress: bool = False) -> Any:
        """``compress``: send the body gzip-compressed (the outbox's batches: JSON reports
        shrink several times over, and the WAN link is the narrow part)."""
        data = None if body is None else json.dumps(body, default=str).encode()
        if data is not None and compress:
            data = gzip.compress(data, compresslevel=6)
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if data is not None and compress:
            request.add_header("Content-Encoding", "gzip")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout,
                                        context=self.context) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = _detail(exc)
            if exc.code >= 500 or exc.code == 429:
                raise CentralUnreachable(f"central answered {exc.code}: {detail}") from None
            raise CentralRefused(f"central refused {path} ({exc.code}): {detail}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CentralUnreachable(f"central {self.base} not reached: {reason}") from None


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        doc = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return exc.reason or ""
    detail = doc.get("detail", "") if isinstance(doc, dict) else ""
    if isinstance(detail, list):  # a validation error: where and what, never the input
        return "; ".join(f"{'.'.join(map(str, e.get('loc', [])))}: {e.get('msg', '')}"
                         for e in detail if isinstance(e, dict))
    return str(detail)
