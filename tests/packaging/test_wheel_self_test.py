"""The packaged app (issue 17 item 1): the wheel carries its package data and, installed into a
fresh virtual environment, passes `pharmacy-desktop --self-test` from outside the source tree.

The wheel is built offline from a copy of the checkout (no build/ or egg-info left in the tree
other engineers work in) with the build backend in .venv; the new environment gets the wheel and
nothing else: its dependencies come from .venv's site-packages through a .pth line (a path, not a
site dir, so .venv's editable finder for the checkout is never loaded)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from pharmacy_desktop.ui.screens import registry

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pharmacy_desktop", "resources", "migrations", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real_time")]


def _copy_sources(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)


def _build_wheel(tmp_path: Path) -> Path:
    sources = tmp_path / "src"
    sources.mkdir()
    _copy_sources(sources)
    wheelhouse = tmp_path / "wheelhouse"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "--disable-pip-version-check", "-w", str(wheelhouse), str(sources)],
        check=True, cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = wheelhouse.glob("pharmacy_desktop-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # the dependencies (PySide6, SQLAlchemy, ...) from .venv, offline; after the venv's own site-packages
    Path(site, "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
         "--disable-pip-version-check", str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return venv


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PHARMACY_", "PYTHON", "PYTEST", "COV_"))}
    env["HOME"] = str(tmp_path / "home")  # nothing of this user's configuration
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_wheel_carries_package_data_and_self_test_passes_outside_the_tree(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "pharmacy_desktop/paths.py",
        "pharmacy_desktop/migrations/env.py",
        "pharmacy_desktop/migrations/script.py.mako",
        "pharmacy_desktop/resources/clinical/sources.csv",
        "pharmacy_desktop/resources/clinical/interactions.csv",
        "pharmacy_desktop/resources/catalog/product.txt",
        "pharmacy_desktop/resources/catalog/package.txt",
        "pharmacy_desktop/resources/icons/pharmacy-desktop.png",
    ):
        assert needed in names, needed
    assert any(n.startswith("pharmacy_desktop/migrations/versions/0001") for n in names)
    assert not any("/unfinished/" in n for n in names)  # the demo does not load FDA's unfinished extract
    assert wheel.stat().st_size < 3_000_000  # compressed; the catalog extract is the bulk

    venv = _fresh_venv(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(tmp_path)
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import json, pharmacy_desktop, sys; print(pharmacy_desktop.__file__); print(json.dumps(sys.path))"],
        cwd=elsewhere, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    module, path = where.splitlines()
    assert module.startswith(str(venv)), where
    # the source tree is not on the path (.venv's site-packages, which lies inside it, is: the dependencies)
    assert not [
        p
        for p in json.loads(path)
        if Path(elsewhere, p).resolve() == ROOT
        or (Path(elsewhere, p, "pharmacy_desktop").is_dir() and not p.startswith(str(venv)))
    ]

    result = subprocess.run(
        [str(venv / "bin" / "pharmacy-desktop"), "--self-test"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert not [line for line in lines if line.startswith("FAIL")]
    checks = [line for line in lines if line.startswith("ok  ")]
    assert any(line.startswith("ok  package files") and "installed package" in line for line in checks), lines
    assert any(line.startswith("ok  migrated to head") for line in checks)
    assert any(line.startswith("ok  demo pharmacy loaded") for line in checks)
    assert "ok  sign-in window" in checks
    for cls in registry.screen_classes():
        assert any(line.startswith(f"ok  screen {cls.screenshot_name()} ") for line in checks), cls
    assert lines[-1].startswith("self-test passed")
    assert "password" not in result.stdout.lower() and "postgresql+psycopg://" not in result.stdout
