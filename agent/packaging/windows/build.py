"""Build the Windows agent as one folder to copy to a PC: nothing to install first.

    python agent/packaging/windows/build.py --python-embed python-3.12.8-embed-amd64.zip \\
        --psutil-wheel psutil-7.2.2-cp37-abi3-win_amd64.whl --winsw WinSW-x64.exe \\
        --output dist/muniops-agent-windows

The three inputs are fetched once on a machine with internet (see README.md here); this
script itself needs only the standard library and runs on any OS. The folder:

    python/                      the embeddable CPython, its ._pth pointing at ../lib
    lib/psutil/                  from the Windows wheel
    muniops-agent.pyz            the agent (a zipapp of agent/, run by python/python.exe)
    muniops-agent-service.exe    WinSW, the service host
    muniops-agent-service.xml    its definition: python.exe muniops-agent.pyz run
    install.py                   registers the service (run it with python/python.exe)
    VERSION
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import zipapp
import zipfile
from pathlib import Path

AGENT = Path(__file__).resolve().parents[2]  # the agent/ folder
HERE = Path(__file__).resolve().parent
SERVICE_XML = """<!-- WinSW service definition, written by agent/packaging/windows/build.py.
     %BASE% is the folder of muniops-agent-service.exe. Runs as LocalSystem, which can
     read WMI, the registry and Security Center. -->
<service>
  <id>muniops-agent</id>
  <name>muniops agent</name>
  <description>muniops endpoint agent {version}: hardware, software, antivirus.</description>
  <executable>%BASE%\\python\\python.exe</executable>
  <arguments>"%BASE%\\muniops-agent.pyz" --state-dir "%ProgramData%\\muniops-agent" run</arguments>
  <startmode>Automatic</startmode>
  <delayedAutoStart>true</delayedAutoStart>
  <onfailure action="restart" delay="30 sec"/>
  <stoptimeout>20 sec</stoptimeout>
  <log mode="roll-by-size"><sizeThreshold>1024</sizeThreshold><keepFiles>3</keepFiles></log>
</service>
"""


def version() -> str:
    import tomllib

    return str(tomllib.loads((AGENT / "pyproject.toml").read_text())["project"]["version"])


def build_pyz(target: Path) -> None:
    """A zipapp holding ``muniops/agent`` (no ``muniops/__init__``: a namespace package, as
    in the ``muniops-agent`` wheel) and a ``__main__`` that runs the agent's CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(AGENT, root / "muniops" / "agent", ignore=shutil.ignore_patterns(
            "__pycache__", "packaging", "build", "*.egg-info", "pyproject.toml"))
        (root / "__main__.py").write_text(
            "import sys\nfrom muniops.agent.cli import main\nsys.exit(main())\n")
        zipapp.create_archive(root, target, compressed=True)


def unpack_python(embed_zip: Path, target: Path) -> None:
    """The embeddable CPython, with its path file naming ``..\\lib`` (psutil)."""
    with zipfile.ZipFile(embed_zip) as z:
        z.extractall(target)
    pth = sorted(target.glob("python3*._pth"))
    if not pth:
        raise SystemExit(f"{embed_zip}: no python3*._pth inside: not an embeddable Python")
    lines = [line for line in pth[0].read_text().splitlines() if line.strip()]
    if r"..\lib" not in lines:
        lines.append(r"..\lib")
    pth[0].write_text("\r\n".join(lines) + "\r\n")


def unpack_psutil(wheel: Path, lib: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = [n for n in z.namelist() if n.startswith("psutil/")]
        if not names or not any(n.endswith(".pyd") for n in names):
            raise SystemExit(f"{wheel}: not a Windows psutil wheel (no psutil/*.pyd)")
        for name in names:
            z.extract(name, lib)


def build(python_embed: Path, psutil_wheel: Path, winsw: Path, output: Path) -> Path:
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    unpack_python(python_embed, output / "python")
    unpack_psutil(psutil_wheel, output / "lib")
    build_pyz(output / "muniops-agent.pyz")
    shutil.copyfile(winsw, output / "muniops-agent-service.exe")
    (output / "muniops-agent-service.xml").write_text(
        SERVICE_XML.format(version=version()).replace("\n", "\r\n"))
    shutil.copyfile(HERE / "install.py", output / "install.py")
    (output / "VERSION").write_text(version() + "\n")
    return output


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--python-embed", type=Path, required=True,
                   help="python-3.x.y-embed-amd64.zip from python.org")
    p.add_argument("--psutil-wheel", type=Path, required=True,
                   help="psutil-*-win_amd64.whl (pip download psutil --platform win_amd64)")
    p.add_argument("--winsw", type=Path, required=True, help="WinSW-x64.exe (WinSW 2.x/3.x)")
    p.add_argument("--output", type=Path, default=Path("dist/muniops-agent-windows"))
    args = p.parse_args(argv)
    for given in (args.python_embed, args.psutil_wheel, args.winsw):
        if not given.is_file():
            p.error(f"{given} does not exist")
    print(build(args.python_embed, args.psutil_wheel, args.winsw, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
