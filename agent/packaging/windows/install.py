"""Install the muniops agent on a Windows PC from the folder ``build.py`` made.

Run as an administrator, with the folder's own Python (nothing else is needed):

    python\\python.exe install.py --server https://collector.city.local:8470
    (the site's enrollment secret in %MUNIOPS_AGENT_SECRET%, or --secret)

It copies the folder to %ProgramFiles%\\muniops-agent, enrolls with the collector (state
in %ProgramData%\\muniops-agent), and registers and starts the ``muniops-agent`` service
through WinSW. ``--dry-run`` prints each step and does nothing; ``--uninstall`` stops and
removes the service (the state folder stays, so enrolling again reuses the agent).
Standard library only."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVICE = "muniops-agent-service.exe"
SECRET_ENV = "MUNIOPS_AGENT_SECRET"


def program_files() -> Path:
    return Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "muniops-agent"


def state_dir() -> Path:
    return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "muniops-agent"


class Steps:
    """Each step is said, then done (or only said, in a dry run)."""

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run

    def say(self, text: str) -> None:
        print(("would: " if self.dry_run else "") + text, flush=True)

    def copy_folder(self, source: Path, target: Path) -> None:
        self.say(f"copy {source} -> {target}")
        if not self.dry_run and source.resolve() != target.resolve():
            shutil.copytree(source, target, dirs_exist_ok=True)

    def run(self, argv: Sequence[str], env: dict[str, str] | None = None,
            shown: Sequence[str] | None = None) -> None:
        self.say("run " + subprocess.list2cmdline(list(shown or argv)))
        if not self.dry_run:
            subprocess.run(list(argv), check=True, env=env)


def install(steps: Steps, server: str, secret: str, source: Path = HERE) -> None:
    target = program_files()
    steps.copy_folder(source, target)
    python, pyz = target / "python" / "python.exe", target / "muniops-agent.pyz"
    env = {**os.environ, SECRET_ENV: secret}
    enroll = [str(python), str(pyz), "--state-dir", str(state_dir()), "enroll",
              "--server", server]
    steps.run(enroll, env=env, shown=[f"{SECRET_ENV}=<secret>", *enroll])
    steps.run([str(target / SERVICE), "install"])
    steps.run([str(target / SERVICE), "start"])


def uninstall(steps: Steps) -> None:
    service = program_files() / SERVICE
    steps.run([str(service), "stop"])
    steps.run([str(service), "uninstall"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", help="the collector's URL, https://host:8470")
    p.add_argument("--secret", default=os.environ.get(SECRET_ENV),
                   help=f"the site's enrollment secret (default ${SECRET_ENV})")
    p.add_argument("--dry-run", action="store_true", help="print the steps, do nothing")
    p.add_argument("--uninstall", action="store_true", help="stop and remove the service")
    args = p.parse_args(argv)
    steps = Steps(args.dry_run)
    if args.uninstall:
        uninstall(steps)
        return 0
    if not args.server or not args.secret:
        p.error(f"--server and the enrollment secret (--secret or ${SECRET_ENV}) are needed")
    missing = [n for n in ("python/python.exe", "muniops-agent.pyz", SERVICE,
                           "muniops-agent-service.xml") if not (HERE / n).exists()]
    if missing:
        p.error(f"{HERE} is not a complete agent folder: {', '.join(missing)} missing")
    install(steps, args.server, args.secret)
    return 0


if __name__ == "__main__":
    sys.exit(main())
