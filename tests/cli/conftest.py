"""Fixtures of the command-line tests: a second database that PHARMACY_DATABASE_URL points at (to
prove a command used the URL it was given), a tiny catalog, and the real CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import create_database, drop_database

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "resources" / "catalog"


@pytest.fixture
def other_url(pg_server, template_db, monkeypatch):
    """A second migrated database, and PHARMACY_DATABASE_URL pointing at it."""
    url = create_database(pg_server, template_db)
    monkeypatch.setenv("PHARMACY_DATABASE_URL", url)
    yield url
    drop_database(pg_server, url)


@pytest.fixture
def empty_other_url(pg_server, monkeypatch):
    """A second database without any table, and PHARMACY_DATABASE_URL pointing at it: a command
    that wrongly uses it fails on the first query."""
    url = create_database(pg_server, None)
    monkeypatch.setenv("PHARMACY_DATABASE_URL", url)
    yield url
    drop_database(pg_server, url)


@pytest.fixture(scope="session")
def tiny_catalog(tmp_path_factory) -> Path:
    """The first 20 products of the demo catalog and their packages: an import with no rejected row."""
    folder = tmp_path_factory.mktemp("tiny-catalog")
    products = (CATALOG / "product.txt").read_bytes().splitlines()
    header, rows = products[0], [r for r in products[1:] if r][:20]
    ids = {r.split(b"\t")[0] for r in rows}
    packages = (CATALOG / "package.txt").read_bytes().splitlines()
    kept = [packages[0]] + [p for p in packages[1:] if p.split(b"\t")[0] in ids]
    (folder / "product.txt").write_bytes(b"\r\n".join([header, *rows]) + b"\r\n")
    (folder / "package.txt").write_bytes(b"\r\n".join(kept) + b"\r\n")
    return folder


def scalar(url: str, sql: str):
    from pharmacy_desktop.config import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(sql).fetchone()[0]


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin=subprocess.DEVNULL, timeout: float = 120
) -> subprocess.CompletedProcess:
    """The installed entry point's code in a process of its own, as a person would run it."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pharmacy_desktop", *args],
        cwd=ROOT,
        env=environment,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def console_lines(stderr: str) -> list[str]:
    """What the person reads on stderr, less the logged warnings about the environment
    (the test keyring is a plaintext one and says so)."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("warning: ")]


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """A command through the entry point's main(argv) in the test's process (what it returns or exits
    with, and prints): no second interpreter and app import (~1-2 s a run). A test file keeps one or
    two commands as real processes (run_cli) to prove the command line end to end."""
    from pharmacy_desktop.cli import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's refusal (2) or --help (0)
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["pharmacy-desktop", *args], code, out, err)
