"""Package data that lives outside the package folder in the source tree.

``resources/`` and ``migrations/`` sit at the top of the repository (tests, tools and people use
them there); a wheel carries them inside the package as ``pharmacy_desktop/resources`` and
``pharmacy_desktop/migrations``, where pharmacy_desktop/paths.py looks first. An editable install
copies nothing: paths.py then finds the checkout's own folders. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# (source folder, its place inside the package, what to leave out)
PACKAGE_DATA_TREES = (
    # the FDA unfinished extract (1.6 MB) is for `catalog import` by hand; the demo loads resources/catalog
    ("resources", "resources", ("unfinished", "__pycache__", "*.pyc")),
    ("migrations", "migrations", ("__pycache__", "*.pyc")),
)


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for source, target, leave_out in PACKAGE_DATA_TREES:
            destination = Path(self.build_lib) / "pharmacy_desktop" / target
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(HERE / source, destination, ignore=shutil.ignore_patterns(*leave_out))


setup(cmdclass={"build_py": BuildWithData})
