"""muniops.agent: the endpoint agent, psutil and the standard library only.

It is installed either inside the ``muniops`` distribution or alone as ``muniops-agent``
(``agent/pyproject.toml``); ``__version__`` is whichever of the two is installed."""


def __getattr__(name: str) -> str:
    """``__version__``, read on first use: importlib.metadata costs the resident daemon
    ~4 MiB it never needs."""
    if name != "__version__":
        raise AttributeError(f"module 'muniops.agent' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    found = "0.0.0+unknown"  # a source tree that was never installed
    for dist in ("muniops-agent", "muniops"):
        try:
            found = version(dist)
            break
        except PackageNotFoundError:
            continue
    globals()["__version__"] = found
    return found
