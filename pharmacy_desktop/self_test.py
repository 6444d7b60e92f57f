"""`pharmacy-desktop --self-test`: does this installed app work on this machine?

Against a fresh embedded database in a temporary folder (never the workstation's own database,
configuration or keyring): the package's own files, the PostgreSQL programs, migrations to head
with the clinical seed, the demo pharmacy, then the main window offscreen with every screen of
ui/screens/registry.py rendered (ui/self_test.py). One line per check on stdout, ``ok  <check>``
or ``FAIL <check>: <reason>``, then a summary; exit 0 when every check passed, 1 otherwise.
Used by tests/packaging/ on the wheel-installed app and on the PyInstaller folder (installer/README.md).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Report:
    def __init__(self) -> None:
        self.failed: list[str] = []
        self.passed = 0

    def ok(self, check: str) -> None:
        self.passed += 1
        print(f"ok  {check}", flush=True)

    def fail(self, check: str, reason: str) -> None:
        self.failed.append(check)
        print(f"FAIL {check}: {_one_line(reason)}", flush=True)

    def run(self, check: str, step: Callable[[], T]) -> T | None:
        """``step()``; its return value, or None after a FAIL line (the exception's type and message)."""
        started = time.monotonic()
        try:
            value = step()
        except Exception as exc:  # a self-test reports every failure as a line and goes on
            log.exception("self-test check failed: %s", check)
            self.fail(check, f"{type(exc).__name__}: {exc}")
            return None
        took = time.monotonic() - started
        detail: list[str] = [value] if isinstance(value, str) and value else []
        if took >= 1:
            detail.append(f"{took:.1f} s")
        self.ok(f"{check} ({', '.join(detail)})" if detail else check)
        return value


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextmanager
def _isolated(folder: Path) -> Iterator[None]:
    """The temporary folder as the app's data and configuration folder; Qt offscreen."""
    keys = ("PHARMACY_DATA_DIR", "PHARMACY_CONFIG_DIR", "PHARMACY_DATABASE_URL", "QT_QPA_PLATFORM")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["PHARMACY_DATA_DIR"] = str(folder)
    os.environ["PHARMACY_CONFIG_DIR"] = str(folder / "config")
    os.environ.pop("PHARMACY_DATABASE_URL", None)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # never a window on the person's screen
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def check_package_files() -> str:
    from pharmacy_desktop import paths

    needed = {
        "migrations": paths.migrations_dir() / "env.py",
        "clinical seed": paths.clinical_seed_dir() / "sources.csv",
        "catalog extract": paths.catalog_dir() / "product.txt",
        "icon": paths.icon_path(),
    }
    missing = [f"{name} ({path})" for name, path in needed.items() if not path.is_file()]
    if missing:
        raise FileNotFoundError("missing " + ", ".join(missing))
    versions = list((paths.migrations_dir() / "versions").glob("[0-9]*.py"))
    where = "installed package" if paths.is_packaged() else "source checkout"
    return f"{len(versions)} migrations, from the {where}"


KEEP_VARIABLE = "PHARMACY_SELF_TEST_KEEP"  # set (to anything): keep the folder, its log and screens/*.png


def run_self_test(keep: bool | None = None) -> int:
    """Every check; 0 when all passed. ``keep``: leave the temporary folder (its log and the
    rendered screens) for a look; by default when PHARMACY_SELF_TEST_KEEP is set, or a check failed."""
    if keep is None:
        keep = bool(os.environ.get(KEEP_VARIABLE))
    from pharmacy_desktop.logging_setup import setup_logging

    started = time.monotonic()
    report = Report()
    folder = Path(tempfile.mkdtemp(prefix="pharmacy-self-test-"))
    folder.chmod(0o711)  # run as root, the embedded server's postgres user must reach its cluster in it
    embedded = None
    with _isolated(folder):
        setup_logging(logging.INFO, console=False, directory=folder / "logs")
        print(f"pharmacy-desktop self-test in {folder}", flush=True)
        try:
            embedded = _run_checks(report, folder)
        finally:
            if embedded is not None:
                report.run("embedded database stopped", lambda: embedded.stop(force=True))
                if not keep and not embedded.data_dir.is_relative_to(folder):
                    shutil.rmtree(embedded.data_dir.parent, ignore_errors=True)
    if not keep and not report.failed:
        shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.monotonic() - started
    if report.failed:
        print(
            f"self-test FAILED: {len(report.failed)} of {report.passed + len(report.failed)} checks ({elapsed:.0f} s); log in {folder / 'logs'}"
        )
        return 1
    print(
        f"self-test passed: {report.passed} checks ({elapsed:.0f} s)"
        + (f"; screens in {folder / 'screens'}" if keep else "")
    )
    return 0


def _run_checks(report: Report, folder: Path):  # type: ignore[no-untyped-def]  # -> EmbeddedPostgres | None
    from pharmacy_desktop.db import migrate
    from pharmacy_desktop.db.embedded import EmbeddedPostgres, find_bindir

    report.run(f"python {sys.version.split()[0]}, pharmacy-desktop {migrate.app_version()}", lambda: "")
    if report.run("package files", check_package_files) is None:
        return None
    if report.run("PostgreSQL programs", lambda: str(find_bindir())) is None:
        return None
    # a fixed password: nothing of the self-test goes into the workstation's keyring
    made: list[EmbeddedPostgres] = []
    started: list[str] = []

    def start() -> str:
        made.append(EmbeddedPostgres(folder / "embedded", password=secrets.token_urlsafe(24)))
        started.append(made[0].start())
        return f"port {made[0].state.port}" if made[0].state else ""

    if report.run("embedded database started", start) is None:
        return made[0] if made else None
    embedded = made[0]
    url = started[0]  # it holds the password: never printed

    def migrated() -> str:
        migrate.upgrade(url)
        revision = migrate.current(url)
        if revision != migrate.head():
            raise RuntimeError(f"at {revision}, head is {migrate.head()}")
        return f"revision {revision}"

    if report.run("migrated to head", migrated) is None:
        return embedded

    def demo() -> str:
        from pharmacy_desktop.demo import load_demo

        summary = load_demo(url, patients=8, brief=True)  # the whole demo takes minutes
        return f"{summary.catalog}, {summary.users} staff, {summary.patients} patients"

    if report.run("demo pharmacy loaded (brief: no history)", demo) is None:
        return embedded

    from pharmacy_desktop.app import open_database

    application = report.run("database opened", lambda: open_database(url))
    if application is None:
        return embedded

    def clinical() -> str:
        with application.uow_factory() as uow:
            if not uow.clinical.is_loaded():
                raise RuntimeError("no clinical knowledge in the database")
            return f"{len(uow.clinical.sources())} sources"

    report.run("clinical knowledge loaded", clinical)
    try:
        from pharmacy_desktop.ui.self_test import check_screens

        check_screens(application, report, folder / "screens")
    except Exception as exc:  # Qt missing or broken: one line, not a traceback
        log.exception("self-test: the window could not be checked")
        report.fail("main window", f"{type(exc).__name__}: {exc}")
    finally:
        application.engine.dispose()
    return embedded
