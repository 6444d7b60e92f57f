"""Where the app's own files are: the one place that knows (resources, migrations).

In a source checkout they sit beside the package (``resources/``, ``migrations/`` at the top of the
repository); in a wheel or the PyInstaller folder they are package data inside it
(``pharmacy_desktop/resources``, ``pharmacy_desktop/migrations``, copied there by setup.py's
``build_py`` and by installer/pharmacy-desktop.spec). The packaged copy wins when it exists, so an
installed app never reads a source tree that happens to lie next to it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGE = "pharmacy_desktop"


def _package_dir() -> Path:
    # a real directory in a wheel install, the editable checkout and the PyInstaller folder (not a zip)
    return Path(str(resources.files(PACKAGE)))


def _find(name: str) -> Path:
    packaged = _package_dir() / name
    if packaged.is_dir():
        return packaged
    return _package_dir().parent / name  # a source checkout: the repository's top folder


def resources_dir() -> Path:
    """``resources/``: clinical seed, demo catalog extract, style, icons."""
    return _find("resources")


def migrations_dir() -> Path:
    """The Alembic environment (env.py, versions/, sql/)."""
    return _find("migrations")


def clinical_seed_dir() -> Path:
    return resources_dir() / "clinical"


def catalog_dir() -> Path:
    """The FDA NDC extract the demo pharmacy (the embedded first start) loads."""
    return resources_dir() / "catalog"


def icon_path() -> Path:
    return resources_dir() / "icons" / "pharmacy-desktop.png"


def is_packaged() -> bool:
    """True when the files come from the installed package, not a source checkout."""
    return (_package_dir() / "migrations").is_dir()
