"""Serve fake devices with fakenos until SIGTERM. Runs in fakenos' own venv
(``.venv-fakenos``; fakenos pins an older paramiko than muniops), so it uses only the
standard library and fakenos, never muniops.

Usage: ``python -P fakenos_server.py SPEC.json`` (``-P``: this folder holds a
``fakenos.py`` that must not shadow the library), where the spec is
``{"hosts": {NAME: {"port", "username", "password", "nos": {NOS definition}}}}``.
Prints ``ready`` on stdout once every device listens."""

import json
import signal
import sys
import threading

from fakenos import FakeNOS


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    plugins = []
    hosts = {}
    for name, host in spec["hosts"].items():
        nos = dict(host["nos"], name=f"nos-{name}")
        plugins.append(nos)
        hosts[name] = {"port": host["port"], "username": host["username"],
                       "password": host["password"], "nos": {"plugin": nos["name"]}}
    inventory = {
        "default": {
            "server": {"plugin": "ParamikoSshServer",
                       "configuration": {"address": "127.0.0.1", "timeout": 1}},
            "shell": {"plugin": "CMDShell", "configuration": {}},
        },
        "hosts": hosts,
    }
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    net = FakeNOS(inventory=inventory, plugins=plugins)
    net.start()
    print("ready", flush=True)
    stop.wait()
    net.stop()


if __name__ == "__main__":
    main()
