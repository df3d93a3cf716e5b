"""muniops: network and IT-asset operations for a municipality's IT department.

The code lives in the repository's top-level folders, installed as subpackages:
``muniops.inventory`` (the system of record), ``muniops.collector`` (service, API, CLI),
``muniops.agent`` (endpoint agent), ``muniops.playbooks`` and ``muniops.config``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("muniops")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
