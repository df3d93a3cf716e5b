"""Top-level commands: ``init``, ``serve``, and the ``config`` group."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import console, done, emit_json, error
from muniops.collector.core.settings import Settings
from muniops.inventory.errors import ConfigError

config_app = typer.Typer(help="The collector's configuration.", no_args_is_help=True)


def init(json: Json = False) -> None:
    """Create the store, or upgrade it to this version (keeping every row)."""
    from muniops.inventory import migrate  # alembic loads slowly; only init needs it

    db = state.database(check_schema=False)
    before = migrate.current_revisions(db.engine)
    migrate.upgrade(db.engine)
    after = migrate.current_revisions(db.engine)
    where = db.engine.url.render_as_string(hide_password=True)
    if json:
        emit_json({"database": where, "from": sorted(before), "to": sorted(after)})
    elif before == after:
        done(f"store {where} is up to date")
    else:
        done(f"store {where} {'upgraded' if before else 'created'} "
             f"({', '.join(sorted(before)) or 'empty'} → {', '.join(sorted(after))})")


def serve(
    listen: Annotated[str | None, typer.Option(help="HOST:PORT (default from the config).")] = None,
) -> None:
    """Run the collector: API, /metrics and periodic jobs, until SIGTERM."""
    from muniops.collector.core.service import Collector

    settings = state.settings
    logging.getLogger().setLevel(settings.logging.level)
    db = state.database()
    Collector(settings, db).serve(listen)


@config_app.command("check")
def check(json: Json = False) -> None:
    """Validate the configuration without starting anything: the settings, the credentials
    file (its mode and every credential), every SNMP profile and every playbook."""
    settings = state.settings
    problems = settings.section_problems() or _problems(settings)
    shown = settings.model_dump(mode="json") if problems else settings.dump()
    if json:
        emit_json({"source": settings.source, "valid": not problems, "problems": problems,
                   "settings": shown})
    if problems:
        if not json:
            for problem in problems:
                error(problem)
        raise ConfigError(f"{settings.source}: {len(problems)} problem(s) found")
    if not json:
        done(f"{settings.source}: configuration is valid")
        console.print_json(data=shown)


def _problems(settings: Settings) -> list[str]:
    """What would fail later (a poll, a playbook run, a device's credential), found now.
    Messages name the file and the entry, never a secret."""
    from muniops.collector.core.credentials import CredentialStore
    from muniops.collector.district.sharing import config_problem
    from muniops.collector.snmp.profiles import ProfileError, ProfileSet
    from muniops.collector.snmp.runner import snmp_settings
    from muniops.playbooks.loader import PlaybookError, builtin_names, load_playbook

    out: list[str] = []
    if settings.credentials_file is not None:
        store = CredentialStore(settings.credentials_file)
        try:
            out += [str(exc) for exc in store.problems()]
        except ConfigError as exc:  # missing, readable by others, not YAML
            out.append(str(exc))
    try:
        ProfileSet.load(snmp_settings(settings).all_profile_dirs())
    except ProfileError as exc:
        out.append(f"SNMP profiles: {exc}")
    for ref in dict.fromkeys([*builtin_names(), *(s.playbook for s in
                                                  settings.playbooks.schedule)]):
        try:
            load_playbook(ref)
        except PlaybookError as exc:
            out.append(f"playbook: {exc}")
    out += [p for p in [config_problem(settings)] if p]
    return out


def _device_config_commands() -> None:
    """``config history/diff/get``: the SSH feature's stored device configurations."""
    from muniops.collector.ssh import cli as ssh_cli

    config_app.command("history")(ssh_cli.history)
    config_app.command("diff")(ssh_cli.diff)
    config_app.command("get")(ssh_cli.get)


_device_config_commands()


tls_app = typer.Typer(help="TLS for the API: a private CA and the collector's certificate.",
                      no_args_is_help=True)


@tls_app.command("init")
def tls_init(
    host: Annotated[list[str], typer.Option(
        "--host", help="A name or address agents use to reach the collector (repeat).")],
    folder: Annotated[Path | None, typer.Option(
        "--dir", help="Where to write (default: DATA_DIR/tls).", show_default=False)] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing CA.")] = False,
    json: Json = False,
) -> None:
    """Make a private CA and the collector's certificate; print the settings to use."""
    from muniops.collector.system import tls

    settings = state.settings
    files = tls.init(folder or settings.data_dir / "tls", host, settings.site_name,
                     force=force)
    shown = {"ca_file": str(files.ca_cert), "api": {"tls_cert": str(files.cert),
                                                   "tls_key": str(files.key)},
             "pin": tls.fingerprint(files.cert)}
    if json:
        emit_json(shown)
        return
    done(f"CA {files.ca_cert} and certificate {files.cert} for {', '.join(host)}")
    console.print("In the collector's configuration:\n"
                  f"  api:\n    tls_cert: {files.cert}\n    tls_key: {files.key}\n"
                  f"Give agents the CA: muniops-agent enroll --server https://{host[0]}:PORT "
                  f"--ca-file {files.ca_cert.name}  (keep {files.ca_key} offline)\n"
                  f"or pin this certificate instead: --pin {shown['pin']}",
                  highlight=False)
