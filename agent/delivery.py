"""Sending spooled reports to the collector: oldest first, each with its UUID, deleted from
the spool only after the collector says it has it (accepted now or already before).

The collector keeps every report UUID it accepted, in the same transaction as the report's
effects, so a report sent twice (the answer was lost, the agent or the collector was killed
mid-request) is applied once."""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from muniops.agent import __version__
from muniops.agent.credentials import Credentials
from muniops.agent.spool import Spool

log = logging.getLogger(__name__)

REPORTS_PATH = "/api/v1/agents/reports"
ENROLL_PATH = "/api/v1/agents/enroll"
POLICY_PATH = "/api/v1/agents/policy"
USER_AGENT = f"muniops-agent/{__version__}"
_REFUSED = {400, 413, 415, 422}  # this report will never be accepted: set it aside


class DeliveryError(Exception):
    """The collector could not be reached or refused us as a whole (not one report)."""


class Unauthorized(DeliveryError):
    """The token was refused (revoked): delivery stops until the agent enrolls again."""


@dataclass
class Outcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    remaining: int = 0
    error: str | None = None
    ids: list[str] = field(default_factory=list)


def _context(ca_file: str | None) -> ssl.SSLContext | None:
    return ssl.create_default_context(cafile=ca_file) if ca_file else None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float,
         ca_file: str | None = None) -> tuple[int, dict[str, Any]]:
    """POST and return (status, JSON answer); network failures raise DeliveryError."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"User-Agent": USER_AGENT, **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=_context(ca_file)) as resp:
            return resp.status, _json(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read())
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError,
            http.client.HTTPException) as exc:  # the answer cut short: the collector died
        reason = getattr(exc, "reason", exc)  # mid-reply, the report stays in the spool
        raise DeliveryError(f"collector unreachable: {reason}") from None


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def enroll(server: str, secret: str, identity: dict[str, Any], timeout: float = 30,
           ca_file: str | None = None) -> Credentials:
    body = json.dumps({"secret": secret, **identity}).encode()
    status, answer = post(server.rstrip("/") + ENROLL_PATH, body,
                          {"Content-Type": "application/json"}, timeout, ca_file)
    if status != 201:
        raise DeliveryError(f"enrollment refused ({status}): {answer.get('detail', '')}")
    return Credentials(server=server.rstrip("/"), agent_id=answer["agent_id"],
                       token=answer["token"], ca_file=ca_file)


def deliver(spool: Spool, creds: Credentials, timeout: float = 30) -> Outcome:
    """Send what waits in the spool until it is empty or the collector stops answering."""
    out = Outcome()
    url = creds.server + REPORTS_PATH
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
               "Authorization": f"Bearer {creds.token}"}
    pending = spool.pending()
    for n, item in enumerate(pending):
        try:
            status, answer = post(url, item.body(), headers | {"X-Report-Id": item.report_id},
                                  timeout, creds.ca_file)
        except DeliveryError as exc:
            out.error = str(exc)
            out.remaining = len(pending) - n
            return out
        if status in (200, 201):
            spool.done(item)
            out.ids.append(item.report_id)
            if answer.get("status") == "duplicate":
                out.duplicates += 1
            else:
                out.accepted += 1
        elif status in _REFUSED:
            reason = f"{status}: {answer.get('field', '')} {answer.get('detail', '')}".strip()
            log.error("collector refused report %s: %s", item.report_id, reason)
            spool.reject(item, reason)
            out.rejected += 1
        elif status in (401, 403):
            out.remaining = len(pending) - n
            raise Unauthorized(f"the collector refused this agent's token ({status})")
        else:  # 5xx, 429: the collector is busy or failing; try again later
            out.error = f"collector answered {status}"
            out.remaining = len(pending) - n
            return out
    return out


def fetch_policy(creds: Credentials, timeout: float = 30) -> dict[str, Any]:
    """What the collector asks this agent to check (its backups), as JSON."""
    req = urllib.request.Request(creds.server + POLICY_PATH, method="GET", headers={
        "User-Agent": USER_AGENT, "Authorization": f"Bearer {creds.token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout,
                                    context=_context(creds.ca_file)) as resp:
            return _json(resp.read())
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise Unauthorized(f"the collector refused this agent's token ({exc.code})"
                               ) from None
        raise DeliveryError(f"policy not available: collector answered {exc.code}") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"collector unreachable: {reason}") from None
