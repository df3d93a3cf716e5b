"""``muniops-agent``: inventory this host, enroll with a collector, deliver reports.

Standard library only (argparse), like the rest of the agent."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from muniops.agent import credentials

if TYPE_CHECKING:
    from muniops.agent.spool import Spool

# The daemon (``run``) imports nothing more than it needs: the probes, the spool and the
# HTTP client load only in the short-lived commands that use them (see daemon.py).
FULL, HEARTBEAT = "full", "heartbeat"

log = logging.getLogger("muniops.agent")

STATE_ENV = "MUNIOPS_AGENT_STATE"
SECRET_ENV = "MUNIOPS_AGENT_SECRET"


def default_state_dir() -> Path:
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV])
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "muniops-agent"
    if os.geteuid() == 0:
        return Path("/var/lib/muniops-agent")
    return Path.home() / ".local/state/muniops-agent"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="muniops-agent", description=__doc__.splitlines()[0])
    p.add_argument("--state-dir", type=Path, default=None,
                   help=f"credentials and spool (default ${STATE_ENV} or a system folder)")
    p.add_argument("-v", "--verbose", action="store_true", help="log each step")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command")

    inv = sub.add_parser("inventory", help="gather a report")
    inv.add_argument("--print", action="store_true", dest="print_",
                     help="print the report as JSON and exit (no collector needed)")
    inv.add_argument("--kind", choices=[FULL, HEARTBEAT], default=FULL)
    inv.add_argument("--policy", type=Path, default=None, metavar="FILE",
                     help="check the backups this JSON policy names (default: the one "
                          "last received from the collector)")

    enr = sub.add_parser("enroll", help="enroll with a collector once, storing a token")
    enr.add_argument("--server", required=True, help="the collector's URL, https://host:port")
    enr.add_argument("--secret", default=os.environ.get(SECRET_ENV),
                     help=f"the site's enrollment secret (or ${SECRET_ENV})")
    trust = enr.add_mutually_exclusive_group()
    trust.add_argument("--ca-file", default=None, help="CA bundle for a private certificate")
    trust.add_argument("--pin", default=None, metavar="sha256:HEX",
                       help="trust exactly this certificate, by its SHA-256 fingerprint "
                            "(printed by `muniops tls init`), instead of a CA")
    enr.add_argument("--as-new-host", action="store_true",
                     help="leave out this host's SMBIOS UUID and machine id, so the collector "
                          "makes a new agent record rather than reusing this host's (for "
                          "several simulated hosts on one machine)")

    run = sub.add_parser("run", help="the daemon: inventories and heartbeats, delivered")
    run.add_argument("--inventory-every", type=float, default=4 * 3600, metavar="SECONDS")
    run.add_argument("--heartbeat-every", type=float, default=300, metavar="SECONDS")
    run.add_argument("--retry-every", type=float, default=60, metavar="SECONDS")
    run.add_argument("--jitter", type=float, default=0.1, help="fraction of each interval")
    _set_aside_option(run)

    snd = sub.add_parser("send", help="gather reports into the spool, then deliver them")
    snd.add_argument("--kind", choices=[FULL, HEARTBEAT], default=FULL)
    snd.add_argument("--count", type=int, default=1)
    snd.add_argument("--spool-only", action="store_true", help="do not deliver now")
    snd.add_argument("--retry-for", type=float, default=0, metavar="SECONDS",
                     help="keep retrying delivery this long while the collector is away")
    _set_aside_option(snd)

    flush = sub.add_parser("flush", help="deliver what waits in the spool")
    flush.add_argument("--retry-for", type=float, default=0, metavar="SECONDS")
    flush.add_argument("--retry-set-aside", action="store_true",
                       help="put the reports set aside back in the spool first")
    _set_aside_option(flush)

    st = sub.add_parser("status", help="enrollment and spool state as JSON")
    st.add_argument("--json", action="store_true", help="JSON (the only form; for scripts "
                                                       "that pass it as to every listing)")
    return p


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _set_aside_option(parser: argparse.ArgumentParser) -> None:
    from muniops.agent.spool import SET_ASIDE_AFTER

    parser.add_argument("--set-aside-after", type=_positive, default=SET_ASIDE_AFTER,
                        metavar="N", help="set a report aside after the collector failed on "
                                          f"it (answered 500) N times (default {SET_ASIDE_AFTER})")


def _print(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _flush(spool: Spool, state_dir: Path, retry_for: float, set_aside_after: int,
           retry_every: float = 0.5) -> int:
    from muniops.agent import delivery

    creds = credentials.load(state_dir)
    deadline = time.monotonic() + retry_for
    total = delivery.Outcome()
    while True:
        out = delivery.deliver(spool, creds, set_aside_after=set_aside_after)
        total.accepted += out.accepted
        total.duplicates += out.duplicates
        total.rejected += out.rejected
        total.failed += out.failed
        total.set_aside += out.set_aside
        total.ids += out.ids
        if not out.error or time.monotonic() >= deadline:
            break
        log.info("%s; retrying", out.error)
        time.sleep(retry_every)
    left = len(spool.pending())
    _print({"accepted": total.accepted, "duplicates": total.duplicates,
            "rejected": total.rejected, "failed": total.failed,
            "set_aside": total.set_aside, "pending": left, "error": out.error,
            "delivered": total.ids})
    return 0 if left == 0 else 2


def _failing(item: object, failures: dict[str, object]) -> dict[str, object]:
    return {"report_id": getattr(item, "report_id", ""), "kind": getattr(item, "kind", ""),
            "failures": failures.get("count", 0), "last_answer": failures.get("last", "")}


def _backup_policy(state_dir: Path, policy_file: Path | None, refresh: bool
                   ) -> list[dict[str, object]]:
    """The backups to check: a given file, else the collector's policy (fetched again
    when ``refresh``; the last one kept stands while the collector is away)."""
    from muniops.agent import delivery
    from muniops.agent.probes import backups

    if policy_file is not None:
        return backups.load_policy_file(policy_file)  # a bad file given here is an error
    if refresh:
        try:
            backups.save_policy(state_dir, delivery.fetch_policy(credentials.load(state_dir)))
        except credentials.NotEnrolled:
            pass
        except delivery.DeliveryError as exc:
            log.info("backup policy not refreshed: %s", exc)
    try:
        return backups.load_policy(state_dir)
    except backups.ProbeUnavailable as exc:  # a damaged kept policy: report without it
        log.warning("backup policy ignored: %s", exc)
        return []


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.version or not args.command:
        from muniops.agent import __version__

        print(f"muniops-agent {__version__}")
        return 0 if args.version else 5
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state_dir: Path = args.state_dir or default_state_dir()
    if args.command == "run":
        return _run(args, state_dir)
    from muniops.agent import delivery
    from muniops.agent.probes.base import ProbeUnavailable

    try:
        return _dispatch(args, state_dir)
    except credentials.NotEnrolled as exc:
        print(f"muniops-agent: {exc}", file=sys.stderr)
        return 3
    except delivery.Unauthorized as exc:
        print(f"muniops-agent: {exc}; enroll again", file=sys.stderr)
        return 4
    except delivery.DeliveryError as exc:
        print(f"muniops-agent: {exc}", file=sys.stderr)
        return 2
    except ProbeUnavailable as exc:  # a --policy file that cannot be read
        print(f"muniops-agent: {exc}", file=sys.stderr)
        return 5


def _run(args: argparse.Namespace, state_dir: Path) -> int:
    from muniops.agent.daemon import Daemon, Schedule

    try:
        credentials.load(state_dir)
    except credentials.NotEnrolled as exc:
        print(f"muniops-agent: {exc}", file=sys.stderr)
        return 3
    Daemon(state_dir, Schedule(args.inventory_every, args.heartbeat_every, args.jitter,
                               args.retry_every,
                               set_aside_after=args.set_aside_after)).run()
    return 0


def _dispatch(args: argparse.Namespace, state_dir: Path) -> int:
    from muniops.agent import __version__, delivery, report
    from muniops.agent.spool import Spool

    if args.command == "inventory":
        data = report.gather(args.kind, backup_policy=_backup_policy(
            state_dir, args.policy, refresh=False) if args.kind == FULL else None)
        if args.print_:
            _print(data)
        else:
            Spool(state_dir / "spool").put(data)
        return 0
    if args.command == "enroll":
        if not args.secret:
            print(f"muniops-agent: --secret or ${SECRET_ENV} is required", file=sys.stderr)
            return 5
        from muniops.agent.probes.host import identity_keys, names

        try:
            pin = delivery.normalise_pin(args.pin) if args.pin else None
        except ValueError as exc:
            print(f"muniops-agent: {exc}", file=sys.stderr)
            return 5

        creds = delivery.enroll(args.server, args.secret,
                                names() | ({} if args.as_new_host else identity_keys())
                                | {"agent_version": __version__},
                                ca_file=args.ca_file, pin=pin)
        path = credentials.save(state_dir, creds)
        _print({"agent_id": creds.agent_id, "server": creds.server, "credentials": str(path)})
        return 0
    spool = Spool(state_dir / "spool", create=args.command != "status")  # status only reads
    if args.command == "send":
        policy = _backup_policy(state_dir, None, refresh=True) if args.kind == FULL else None
        ids = [spool.put(report.gather(args.kind, backup_policy=policy)).report_id
               for _ in range(args.count)]
        if args.spool_only:
            _print({"spooled": ids})
            return 0
        return _flush(spool, state_dir, args.retry_for, args.set_aside_after)
    if args.command == "flush":
        if args.retry_set_aside:
            spool.restore_set_aside()
        return _flush(spool, state_dir, args.retry_for, args.set_aside_after)
    if args.command == "status":
        try:
            known: credentials.Credentials | None = credentials.load(state_dir)
        except credentials.NotEnrolled:
            known = None
        _print({"enrolled": known is not None, "server": known.server if known else None,
                "agent_id": known.agent_id if known else None,
                "pending": [i.report_id for i in spool.pending()],
                "failing": [_failing(i, spool.failures(i)) for i in spool.pending()
                            if spool.failures(i)],
                "set_aside": len(aside := spool.set_aside()),
                "set_aside_reports": [_failing(i, f) for i, f in aside],
                "rejected": len(list(spool.rejected.glob("*.json.gz")))
                if spool.rejected.exists() else 0})
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
