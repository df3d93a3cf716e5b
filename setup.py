"""Map the owner's top-level layout onto one import package, ``muniops``.

``agent/`` installs as ``muniops.agent``, ``collector/`` as ``muniops.collector`` and so on,
so the repository reads as the owner asked while nothing generic lands in site-packages.
"""

from setuptools import find_namespace_packages, setup

ROOTS = ["agent", "collector", "inventory", "playbooks", "config"]
DATA = ["*.yaml", "*.yml", "*.json", "*.csv", "*.textfsm", "*.mako", "*.ini", "*.html",
        "*.css", "*.j2", "*.txt", "*.md", "*.snmprec", "*.rules", "*.pyi"]

packages = ["muniops", *(f"muniops.{sub}" for sub in find_namespace_packages("muniops"))]
package_dir = {"muniops": "muniops"}
for root in ROOTS:
    package_dir[f"muniops.{root}"] = root
    packages.append(f"muniops.{root}")
    packages += [f"muniops.{root}.{sub}" for sub in find_namespace_packages(root)
                 if "__pycache__" not in sub]

setup(packages=packages, package_dir=package_dir,
      package_data={pkg: DATA for pkg in packages}, include_package_data=True)
