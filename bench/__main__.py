"""Run every benchmark module in bench/ one after the other."""

import importlib
import pkgutil
import sys
from pathlib import Path

names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
               if not m.name.startswith("_"))
only = sys.argv[1:]
for name in names:
    if only and name not in only:
        continue
    print(f"\n=== bench.{name} ===", flush=True)
    module = importlib.import_module(f"bench.{name}")
    module.main()
