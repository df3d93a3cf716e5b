#!/usr/bin/env bash
# mypy on the package as it installs (muniops.agent, muniops.collector, ...): setup.py maps
# the top-level folders onto muniops.*, so build that shape as a tree of links and check it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tree="$root/build/typecheck"
rm -rf "$tree" && mkdir -p "$tree/muniops"
for dir in agent collector inventory playbooks config; do ln -s "$root/$dir" "$tree/muniops/$dir"; done
for entry in "$root"/muniops/*; do ln -s "$entry" "$tree/muniops/$(basename "$entry")"; done
cd "$tree" && exec "${MYPY:-$root/.venv/bin/mypy}" --config-file "$root/pyproject.toml" -p muniops
