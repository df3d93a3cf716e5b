"""`make demo`: a collector on the embedded SQLite store with a demo city, until Ctrl-C.

It initialises the store (or upgrades it), imports the demo asset list (idempotent),
creates an admin API token once, starts the demo lab's peers and serves."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

from muniops.collector.cli.main import invoke

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "demo.yaml"
TOKEN_FILE = ROOT / "var" / "demo" / "admin-token"
ENV_FILE = ROOT / "var" / "demo" / "env.sh"


def step(*args: str, config: Path = CONFIG) -> None:
    code = invoke(["--config", str(config), "--actor", "demo", *args])
    if code:
        sys.exit(code)


DEMO_SITES = [
    ("City Hall", "Center", "Asia/Tehran"),
    ("Central Library", "Center", "Asia/Tehran"),
    ("District 1 Office", "D1", "Asia/Tehran"),
    ("District 2 Office", "D2", "Asia/Tehran"),
    ("Water Works", "D3", "Asia/Tehran"),
]


def ensure_sites(config: Path = CONFIG) -> None:
    from muniops.collector.core.settings import load_settings
    from muniops.inventory import sites
    from muniops.inventory.db import Database
    from muniops.inventory.errors import Conflict
    from muniops.inventory.schemas import SiteCreate

    db = Database(load_settings(config).db_url)
    for name, district, tz in DEMO_SITES:
        try:
            with db.write() as s:
                sites.add_site(s, SiteCreate(name=name, district=district, timezone=tz),
                               actor="demo")
        except Conflict:
            pass
    db.dispose()


def write_env(config: Path, path: Path, parts: list[str]) -> None:
    """What a second terminal needs, to source: the config, ``.venv/bin`` on the PATH, and
    the variables of each lab part's ``env(config)`` (passwords its credentials name)."""
    import shlex

    lines = [f"# written by `make demo`: source it in a second terminal (. {path.name})",
             f"export MUNIOPS_CONFIG={shlex.quote(str(config))}",
             f"export PATH={shlex.quote(str(ROOT / '.venv' / 'bin'))}:\"$PATH\""]
    for part in parts:
        module = importlib.import_module(part.partition(":")[0])
        if hasattr(module, "env"):
            lines += [f"export {k}={shlex.quote(v)}" for k, v in module.env(config).items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


# Parts of the demo lab: "module:function", each a context manager taking the config path
# that starts its peers on 127.0.0.1 and registers its devices; they stop when serve ends.
# A part's module may have ``env(config)``: the variables a second terminal needs.
LAB_PARTS: list[str] = [
    "muniops.lab.prometheus_demo:demo",  # Prometheus with the shipped rules, scraping serve
    "muniops.lab.ssh_demo:demo",  # fake Cisco IOS switches (fakenos), backed up over SSH
    "muniops.lab.discovery_demo:demo",  # switch tables (snmpsim): unknown, locate, topology
    "muniops.lab.agents_demo:demo",  # this machine's muniops-agent daemon and 3 office PCs
    "muniops.lab.pm_demo:demo",  # the preventive maintenance plan, made at start
    "muniops.lab.snmp_demo:demo",  # snmpsim recordings: switches, bridges, UPS, printer
]


def prepare(config: Path = CONFIG) -> None:
    """The store, the demo city and its asset list (each step idempotent)."""
    step("init", config=config)
    ensure_sites(config)
    step("assets", "import", str(ROOT / "config" / "demo" / "assets.csv"), "--create-missing",
         config=config)


@contextlib.contextmanager
def lab(config: Path = CONFIG, parts: list[str] = LAB_PARTS) -> Iterator[None]:
    """The lab's peers, started in order and stopped in reverse."""
    with contextlib.ExitStack() as stack:
        for part in parts:
            module, _, func = part.partition(":")
            stack.enter_context(getattr(importlib.import_module(module), func)(config))
        yield


def main() -> None:
    prepare()
    if not TOKEN_FILE.exists():
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            step("tokens", "create", "demo-admin", "--role", "admin", "--json")
        import json

        TOKEN_FILE.write_text(json.loads(out.getvalue())["token"] + "\n")
        TOKEN_FILE.chmod(0o600)
    print(f"admin API token: {TOKEN_FILE} · API docs: http://127.0.0.1:8470/api/docs")
    with lab():
        write_env(CONFIG, ENV_FILE, LAB_PARTS)
        print(f"second terminal: . {ENV_FILE.relative_to(ROOT)}  (MUNIOPS_CONFIG, "
              ".venv/bin on PATH, the demo's device passwords), then the README's tour, "
              "e.g. muniops assets list")
        step("serve")


if __name__ == "__main__":
    main()
