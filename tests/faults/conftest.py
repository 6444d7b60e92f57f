"""Fixtures of the fault suite: a PostgreSQL cluster of its own, a controllable proxy, figures.

The suite's shared cluster (tests/conftest.py) serves every other test of the session, so the
tests here that stop the server or stall its network use a second cluster, started the same way
(``EmbeddedPostgres``) and migrated once into a template database. Killing one backend with
``pg_terminate_backend`` harms nobody else and runs on the shared cluster.

Each test that measures a recovery time puts it in ``figures``; the terminal summary prints them
(the numbers in docs/RELIABILITY.md come from there).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator

import psycopg
import pytest

from tests.faults.proxy import TcpProxy

FAULTS_TEMPLATE = "faults_template"
_names = itertools.count()
_FIGURES: list[tuple[str, str]] = []


@pytest.fixture(scope="session")
def faults_server(sandbox):
    from pharmacy_desktop.db import migrate
    from pharmacy_desktop.db.embedded import EmbeddedPostgres, url_for

    server = EmbeddedPostgres(sandbox / "faults-cluster", password="faults-only-password")
    server.start()
    try:
        with psycopg.connect(server.admin_dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{FAULTS_TEMPLATE}"')
        migrate.upgrade(url_for(server.state.port, server.state.password, FAULTS_TEMPLATE))
        yield server
    finally:
        server.stop(force=True)


@pytest.fixture
def faults_url(faults_server) -> Iterator[str]:
    """A fresh migrated database on the fault suite's own cluster."""
    from pharmacy_desktop.db.embedded import url_for

    name = f"faults_{os.getpid()}_{next(_names)}"
    with psycopg.connect(faults_server.admin_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{FAULTS_TEMPLATE}"')
    yield url_for(faults_server.state.port, faults_server.state.password, name)
    ensure_running(faults_server)
    with psycopg.connect(faults_server.admin_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ensure_running(server) -> None:
    """A test that stopped the server and failed before starting it again must not break the next."""
    if not server.is_running():
        start_again(server)


def start_again(server) -> None:
    """Start a stopped cluster on the port it had, as a restarted database server comes back.

    Not ``EmbeddedPostgres.start()``: it moves to a new port when the old one still has connections
    in TIME_WAIT (its free-port probe binds without SO_REUSEADDR), and every workstation's URL would
    then point at nothing. PostgreSQL itself binds with SO_REUSEADDR.
    """
    server._run(
        [
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(server.data_dir),
            "-l",
            str(server.log_file),
            "-o",
            f"-p {server.state.port}",
        ],
        timeout=70,
    )
    server.started_here = True


@pytest.fixture
def proxy_to():
    """``proxy_to(url)`` -> (proxy, the same URL through the proxy); proxies close after the test."""
    made: list[TcpProxy] = []

    def make(url: str) -> tuple[TcpProxy, str]:
        from urllib.parse import urlsplit

        proxy = TcpProxy(urlsplit(url).port)
        made.append(proxy)
        return proxy, proxy.url(url)

    yield make
    for proxy in made:
        proxy.close()


@pytest.fixture
def figures():
    """``figures(name, value)``: a measured figure for the summary at the end of the run."""

    def note(name: str, value: str) -> None:
        _FIGURES.append((name, value))

    return note


def backend_pids(admin_dsn: str, database: str, application_name: str | None = None) -> list[int]:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        sql = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        args: list[object] = [database]
        if application_name:
            sql += " AND application_name = %s"
            args.append(application_name)
        return [row[0] for row in conn.execute(sql, args)]


def wait_for(predicate, timeout: float, interval: float = 0.05) -> float:
    """Seconds until ``predicate()`` held; AssertionError after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - started


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("fault figures (docs/RELIABILITY.md)")
        for name, value in _FIGURES:
            terminalreporter.write_line(f"{name}: {value}")
