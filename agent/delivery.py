"""Sending spooled reports to the collector: oldest first, each with its UUID, deleted from
the spool only after the collector says it has it (accepted now or already before).

The collector keeps every report UUID it accepted, in the same transaction as the report's
effects, so a report sent twice (the answer was lost, the agent or the collector was killed
mid-request) is applied once.

An answer that says "later" (429, 502, 503, 504: busy, degraded store, a proxy without its
collector) ends the round and counts against no report. Any other 5xx is the collector
failing on that report: it is counted (see spool.py), set aside after ``set_aside_after``
such answers, and the reports behind it are sent all the same."""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from muniops.agent import __version__
from muniops.agent.credentials import Credentials, Trust
from muniops.agent.spool import SET_ASIDE_AFTER, Spool, Spooled

log = logging.getLogger(__name__)

REPORTS_PATH = "/api/v1/agents/reports"
ENROLL_PATH = "/api/v1/agents/enroll"
POLICY_PATH = "/api/v1/agents/policy"
USER_AGENT = f"muniops-agent/{__version__}"
# this report will never be accepted (409: its id is another agent's): put it in rejected/
_REFUSED = {400, 409, 413, 415, 422}
_LATER = {429, 502, 503, 504}  # the collector is busy or away: the whole round waits
FAILED_IN_A_ROW = 5  # answers 500 in a row that end a round: the collector fails on all


class DeliveryError(Exception):
    """The collector could not be reached or refused us as a whole (not one report)."""


class Unauthorized(DeliveryError):
    """The token was refused (revoked): delivery stops until the agent enrolls again."""


@dataclass
class Outcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    failed: int = 0  # answers 500 (counted against their reports)
    set_aside: int = 0
    remaining: int = 0
    error: str | None = None
    ids: list[str] = field(default_factory=list)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS that trusts exactly one certificate, by its SHA-256 (pinned at enrolment)."""

    pin = ""

    def connect(self) -> None:
        super().connect()
        der = self.sock.getpeercert(binary_form=True) or b""
        seen = fingerprint(der)
        if seen != self.pin:
            self.sock.close()
            raise ssl.SSLCertVerificationError(
                f"the collector's certificate is {seen}, not the pinned {self.pin}")


class _PinnedHandler(urllib.request.HTTPSHandler):
    def __init__(self, pin: str) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False  # the pin names the certificate itself
        context.verify_mode = ssl.CERT_NONE
        super().__init__(context=context)
        self.pin = pin
        self.context = context

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        pin = self.pin

        class Conn(_PinnedHTTPSConnection):
            pass

        Conn.pin = pin
        return self.do_open(Conn, req, context=self.context)


def fingerprint(der: bytes) -> str:
    """``sha256:`` and the hex SHA-256 of a DER certificate (as ``openssl x509
    -fingerprint -sha256`` prints it, without colons, lower case)."""
    return "sha256:" + hashlib.sha256(der).hexdigest()


def normalise_pin(pin: str) -> str:
    """``sha256:AB:CD:...`` or ``sha256:abcd...`` as :func:`fingerprint` writes it; a
    ValueError saying what is wrong otherwise."""
    algo, _, digest = pin.strip().partition(":")
    digest = digest.replace(":", "").lower()
    if algo.lower() != "sha256" or len(digest) != 64 or any(
            c not in "0123456789abcdef" for c in digest):
        raise ValueError("--pin must be sha256: and the certificate's 64 hex digits "
                         "(muniops tls init prints it)")
    return "sha256:" + digest


def _opener(trust: Trust | None) -> urllib.request.OpenerDirector:
    if trust is not None and trust.pin:
        return urllib.request.build_opener(_PinnedHandler(trust.pin))
    if trust is not None and trust.ca_file:
        return urllib.request.build_opener(urllib.request.HTTPSHandler(
            context=ssl.create_default_context(cafile=trust.ca_file)))
    return urllib.request.build_opener()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float,
         trust: Trust | None = None) -> tuple[int, dict[str, Any]]:
    """POST and return (status, JSON answer); network failures raise DeliveryError."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"User-Agent": USER_AGENT, **headers})
    try:
        with _opener(trust).open(req, timeout=timeout) as resp:
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
           ca_file: str | None = None, pin: str | None = None) -> Credentials:
    body = json.dumps({"secret": secret, **identity}).encode()
    status, answer = post(server.rstrip("/") + ENROLL_PATH, body,
                          {"Content-Type": "application/json"}, timeout,
                          Trust(ca_file=ca_file, pin=pin))
    if status != 201:
        raise DeliveryError(f"enrollment refused ({status}): {answer.get('detail', '')}")
    return Credentials(server=server.rstrip("/"), agent_id=answer["agent_id"],
                       token=answer["token"], ca_file=ca_file, pin=pin)


def _order(spool: Spool, pending: list[Spooled]) -> list[Spooled]:
    """Oldest first, but reports the collector already failed on after the others, so one
    that always fails is never in front of the ones that would go through."""
    failing = {i.path for i in pending if spool.failures(i)}
    return ([i for i in pending if i.path not in failing]
            + [i for i in pending if i.path in failing])


def deliver(spool: Spool, creds: Credentials, timeout: float = 30,
            set_aside_after: int = SET_ASIDE_AFTER) -> Outcome:
    """Send what waits in the spool until it is empty or the collector stops answering."""
    out = Outcome()
    url = creds.server + REPORTS_PATH
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
               "Authorization": f"Bearer {creds.token}"}
    pending = _order(spool, spool.pending())
    in_a_row = 0
    for n, item in enumerate(pending):
        try:
            status, answer = post(url, item.body(), headers | {"X-Report-Id": item.report_id},
                                  timeout, creds.trust())
        except DeliveryError as exc:
            out.error = str(exc)
            out.remaining = len(pending) - n
            return out
        if status in (200, 201):
            in_a_row = 0
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
        elif status >= 500 and status not in _LATER:
            log.warning("collector failed on report %s (%d)", item.report_id, status)
            out.failed += 1
            in_a_row += 1
            detail = answer.get("detail")
            if spool.failed(item, f"{status}: {detail}" if detail else str(status),
                            set_aside_after):
                out.set_aside += 1
            if in_a_row >= FAILED_IN_A_ROW:
                out.error = f"collector answered {status} for {in_a_row} reports in a row"
                out.remaining = len(spool.pending())
                return out
        else:  # 429, 502-504 or an unexpected answer: busy, failing or away; later
            out.error = f"collector answered {status}"
            out.remaining = len(pending) - n
            return out
    out.remaining = len(spool.pending())  # what the collector failed on waits a round
    return out


def fetch_policy(creds: Credentials, timeout: float = 30) -> dict[str, Any]:
    """What the collector asks this agent to check (its backups), as JSON."""
    req = urllib.request.Request(creds.server + POLICY_PATH, method="GET", headers={
        "User-Agent": USER_AGENT, "Authorization": f"Bearer {creds.token}"})
    try:
        with _opener(creds.trust()).open(req, timeout=timeout) as resp:
            return _json(resp.read())
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise Unauthorized(f"the collector refused this agent's token ({exc.code})"
                               ) from None
        raise DeliveryError(f"policy not available: collector answered {exc.code}") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"collector unreachable: {reason}") from None
