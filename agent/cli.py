"""``muniops-agent``: the endpoint agent's command line."""

import sys

from muniops import __version__


def main(argv: list[str] | None = None) -> int:
    """Print the version; the agent's commands arrive with the agent itself."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("--version", "version"):
        print(f"muniops-agent {__version__}")
        return 0
    print(f"muniops-agent {__version__}")
    return 0
