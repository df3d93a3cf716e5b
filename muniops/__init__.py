"""muniops: network and IT-asset operations for a municipality's IT department.

The code lives in the repository's top-level folders, installed as subpackages:
``muniops.inventory`` (the system of record), ``muniops.collector`` (service, API, CLI),
``muniops.agent`` (endpoint agent), ``muniops.playbooks`` and ``muniops.config``.
"""


def __getattr__(name: str) -> str:
    """``__version__``, read on first use: importlib.metadata costs the endpoint agent's
    resident daemon ~4 MiB it never needs."""
    if name != "__version__":
        raise AttributeError(f"module 'muniops' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("muniops")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
