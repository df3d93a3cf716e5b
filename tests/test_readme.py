"""The README's tour works as written: every command of its fenced shell blocks runs
against the demo (its store, lab and collector, as ``make demo`` starts them, on free
ports), in order, from a second "terminal" whose only setup is the README's first line,
sourcing the env file the demo wrote. Each must exit 0.

Only lines whose comment says they need root or a real device are skipped, with that
reason; a line that "runs until stopped" (a daemon) must still run after a few seconds
and stop cleanly on SIGTERM."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from muniops.collector.cli.main import invoke
from muniops.lab.agents import CollectorProcess
from muniops.lab.net import free_port

ROOT = Path(__file__).resolve().parent.parent
TOUR = ("A tour of the CLI", "Discovery", "The device register", "SNMP polling", "SSH playbooks",
        "Endpoint agents", "Preventive maintenance", "Reports")
SKIP = re.compile(r"#.*\bneeds (root|a real device)\b")
DAEMON = re.compile(r"#.*\bruns until stopped\b")
# the demo's fixed ports (config/demo.yaml, the lab's switches), moved to free ones so a
# running demo is no bother
TCP_PORTS = ("8470", "8601", "8602", "8603")
UDP_PORTS = ("8611",)


@dataclass
class Line:
    section: str
    text: str


def tour_lines(readme: str) -> list[Line]:
    """The commands of the tour's ```sh blocks, continuation lines joined."""
    lines: list[Line] = []
    section, fence = "", None
    pending = ""
    for raw in readme.splitlines():
        if fence is None and raw.startswith("## "):
            section = raw[3:]
        if raw.startswith("```"):
            fence = raw[3:].strip() if fence is None else None
            continue
        if fence != "sh" or not section.startswith(TOUR):
            continue
        text = pending + raw.strip()
        if text.endswith("\\"):
            pending = text[:-1] + " "
            continue
        pending = ""
        if text and not text.startswith("#"):
            lines.append(Line(section, text))
    return lines


def test_the_tour_is_found() -> None:
    lines = tour_lines((ROOT / "README.md").read_text())
    assert {line.section.split(":")[0] for line in lines} >= {t.split(":")[0] for t in TOUR}
    assert len(lines) > 60
    assert not [line.text for line in lines if "[" in line.text.split("#")[0]]  # no [optional]


def _demo_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_script", ROOT / "scripts" / "demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Terminal:
    cwd: Path
    env: dict[str, str]
    ports: dict[str, str]

    def rewrite(self, text: str) -> str:
        for old, new in self.ports.items():
            text = text.replace(f"127.0.0.1:{old}", f"127.0.0.1:{new}")
            text = re.sub(rf"(--\w+-port) {old}\b", rf"\1 {new}", text)
        return text


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    """``make demo`` in a temporary folder: the store, the lab (without Prometheus, which
    no tour line uses) and ``muniops serve``; yields the second terminal."""
    ports = {p: str(free_port()) for p in TCP_PORTS}
    ports |= {p: str(free_port(socket.SOCK_DGRAM)) for p in UDP_PORTS}
    text = (ROOT / "config" / "demo.yaml").read_text()
    for old, new in ports.items():
        text = re.sub(rf"\b{old}\b", new, text)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "demo").symlink_to(ROOT / "config" / "demo")
    config = tmp_path / "config" / "demo.yaml"
    config.write_text(text)
    monkeypatch.setenv("COLUMNS", "100")
    for name in [n for n in os.environ if n.startswith("MUNIOPS_")]:
        monkeypatch.delenv(name)
    from muniops.lab import discovery_demo, ssh_demo

    monkeypatch.setattr(discovery_demo, "PORT", int(ports["8611"]))
    monkeypatch.setattr(ssh_demo, "SWITCHES", {
        name: (nos, serial, int(ports[str(port)]), site)
        for name, (nos, serial, port, site) in ssh_demo.SWITCHES.items()})
    script = _demo_script()
    parts = [p for p in script.LAB_PARTS if "prometheus" not in p]
    script.prepare(config)
    env_file = tmp_path / "var" / "demo" / "env.sh"
    with script.lab(config, parts):
        script.write_env(config, env_file, parts)
        # what the terminal knows: nothing of the demo, until it sources the env file
        clean = {k: v for k, v in os.environ.items() if not k.startswith("MUNIOPS_")}
        with CollectorProcess(config, port=int(ports["8470"])):
            yield Terminal(tmp_path, clean, ports)


def _in_process(text: str) -> list[str] | None:
    """The arguments of a plain ``muniops ...`` line (no shell syntax), else None."""
    lex = shlex.shlex(text, posix=True, punctuation_chars=True)
    lex.whitespace_split, lex.commenters = True, "#"
    tokens = list(lex)
    if not tokens or tokens[0] != "muniops" or "$" in text.split("#")[0]:
        return None
    if any(t and set(t) <= set("|&;<>()") for t in tokens):
        return None
    if any("=" in t and not t.startswith("-") for t in tokens[:1]):
        return None
    return tokens[1:]


def _bash(term: Terminal, text: str, timeout: float = 120) -> tuple[int, str]:
    """Run one line in bash with the terminal's environment; keep what it exported."""
    dump = term.cwd / ".env-after"
    script = f"{text}\n__rc=$?\nenv -0 > {shlex.quote(str(dump))}\nexit $__rc\n"
    run = subprocess.run(["bash", "-c", script], cwd=term.cwd, env=term.env,
                         capture_output=True, text=True, timeout=timeout)
    if dump.exists():
        pairs = [e.split("=", 1) for e in dump.read_text().split("\0") if "=" in e]
        term.env = {k: v for k, v in pairs if not k.startswith("BASH_FUNC")}
        dump.unlink()
    return run.returncode, (run.stdout + run.stderr)[-2000:]


def _daemon(term: Terminal, text: str) -> tuple[int, str]:
    proc = subprocess.Popen(["bash", "-c", text], cwd=term.cwd, env=term.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    time.sleep(3)
    if proc.poll() is not None:
        _, err = proc.communicate()
        return proc.returncode or 1, f"stopped by itself: {err[-2000:]}"
    os.killpg(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err[-2000:]


def _in_process_run(term: Terminal, args: list[str], capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    with monkeypatch.context() as m:
        for name in [n for n in os.environ if n not in term.env]:
            m.delenv(name)
        for name, value in term.env.items():
            m.setenv(name, value)
        m.chdir(term.cwd)
        capsys.readouterr()
        code = invoke(args)
        out = capsys.readouterr()
    return code, (out.out + out.err)[-2000:]


def test_every_tour_line_works_as_written(demo: Terminal, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    term = demo
    failed, skipped, ran = [], [], 0
    for line in tour_lines((ROOT / "README.md").read_text()):
        reason = SKIP.search(line.text)
        if reason:
            skipped.append(f"{line.text.split('#')[0].strip()}: {reason.group(0)}")
            continue
        text = term.rewrite(line.text)
        args = _in_process(text)
        if DAEMON.search(text):
            code, out = _daemon(term, text)
        elif args is not None and "MUNIOPS_CONFIG" in term.env:
            code, out = _in_process_run(term, args, capsys, monkeypatch)
        else:
            code, out = _bash(term, text)
        ran += 1
        if code != 0:
            failed.append(f"[{line.section}] {line.text}\n  -> exit {code}: {out.strip()}")
    print(f"ran {ran} README lines; skipped {len(skipped)}:", *skipped, sep="\n  ")
    assert ran > 60
    assert all(s.endswith(("needs root", "needs a real device")) or "needs" in s
               for s in skipped)
    assert not failed, "\n".join(failed)
