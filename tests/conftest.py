"""Test configuration: everything a test needs is set here, never by the person running them.

- Qt offscreen, a file keyring and data/config directories under a temporary folder.
- A throwaway PostgreSQL cluster started by the suite (the same code as the embedded server),
  migrated once into a template database; each test that asks for ``database_url`` gets a fresh
  copy of it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SANDBOX = Path(tempfile.mkdtemp(prefix="pharmacy-tests-"))
os.chmod(_SANDBOX, 0o755)  # the postgres OS user must reach the cluster inside it
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = str(_SANDBOX / "xdg-data")
os.environ["XDG_CONFIG_HOME"] = str(_SANDBOX / "xdg-config")
os.environ["XDG_CACHE_HOME"] = str(_SANDBOX / "xdg-cache")  # per worker: escpos writes its cache in place
os.environ["PHARMACY_DATA_DIR"] = str(_SANDBOX / "app-data")
os.environ.pop("PHARMACY_DATABASE_URL", None)

from pharmacy_desktop.printing import ESCPOS_CACHE_VARIABLE, use_escpos_cache  # noqa: E402

os.environ.pop(ESCPOS_CACHE_VARIABLE, None)  # not the controller's: each xdist worker its own (written in place)
use_escpos_cache()  # as the composition root does at start-up, before escpos is imported

import psycopg  # noqa: E402
import pytest  # noqa: E402

TEMPLATE_DB = "pharmacy_template"
_counter = itertools.count()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is alive once every test module is imported (modules, classes, the app's and the libraries'
    tables) lives until the end: frozen out of the cyclic collector, the full collection after each
    Qt test (below) scans only what tests made since, a few ms instead of ~150."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def sandbox() -> Path:
    return _SANDBOX


def _reap_abandoned_sandboxes(root: Path | None = None) -> None:
    """Stop and remove the clusters of earlier test runs that were killed before they could clean up.

    Each run writes its pytest process id into its sandbox; a sandbox whose process is gone is
    abandoned (a CI job cancelled, a terminal closed), and its server would otherwise run forever.
    Another worker may be reaping the same sandbox at the same moment: what goes wrong while reaping
    someone else's leftovers is never this run's failure.
    """
    from pharmacy_desktop.db.embedded import EmbeddedPostgres, EmbeddedServerError

    for other in (root or Path(tempfile.gettempdir())).glob("pharmacy-tests-*"):
        if other == _SANDBOX:
            continue
        try:
            owner = int((other / "owner.pid").read_text())
            os.kill(owner, 0)
            continue  # still running: another suite (e.g. a parallel worker's session)
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            continue  # no owner file: not ours to judge
        try:
            if (other / "cluster").exists():
                EmbeddedPostgres(other / "cluster", password="test-only-password").stop(force=True)
        except (OSError, EmbeddedServerError):
            pass  # reaped by another worker meanwhile, or half gone: what is left is removed below
        shutil.rmtree(other, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    from pharmacy_desktop.db.embedded import EmbeddedPostgres

    (_SANDBOX / "owner.pid").write_text(str(os.getpid()))
    _reap_abandoned_sandboxes()
    server = EmbeddedPostgres(_SANDBOX / "cluster", password="test-only-password")
    server.start()
    with psycopg.connect(server.admin_dsn("postgres"), autocommit=True) as conn:
        # a throwaway cluster needs no durability against a power cut: without a flush to disk at
        # every commit, CREATE and DROP DATABASE (each test's copy), the suite spends less time
        # waiting on a disk shared by 8 engineers. The app's own server keeps fsync = on
        # (db/embedded.py); the fault suite's cluster (tests/faults) too, its figures are real.
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")
    yield server
    server.stop()


_DEMO_LOADER: list[Any] = []  # this worker's background demo load (tests/demo_build.py), if it runs one
_DEMO_CLAIM: list[Any] = []  # the lock that says so, held until the worker ends


@pytest.fixture(scope="session")
def template_db(pg_server, request):
    from pharmacy_desktop.db import migrate
    from pharmacy_desktop.db.embedded import url_for
    from tests import demo_build

    with psycopg.connect(pg_server.admin_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"')
        conn.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    url = url_for(pg_server.state.port, pg_server.state.password, TEMPLATE_DB)
    migrate.upgrade(url)
    # the demo template starts loading now, beside the tests, when this session has tests that want it
    shared = _run_shared_dir()
    wanted = any("demo_template" in getattr(item, "fixturenames", ()) for item in request.session.items)
    if wanted and demo_build.claim(shared, _DEMO_CLAIM):
        _DEMO_LOADER.append(
            demo_build.start(demo_build.Cluster.of(pg_server), TEMPLATE_DB, DEMO_TODAY, shared, _SANDBOX)
        )
    yield TEMPLATE_DB
    for loader in _DEMO_LOADER:
        loader.stop()  # the session ended before a demo test waited for it (-x, a keyboard interrupt)


def create_database(pg_server, template: str | None) -> str:
    from pharmacy_desktop.db.embedded import url_for

    name = f"test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(pg_server.admin_dsn("postgres"), autocommit=True) as conn:
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{clause}')
    return url_for(pg_server.state.port, pg_server.state.password, name)


def drop_database(pg_server, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(pg_server.admin_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_database_url(pg_server):
    """A fresh database with no schema at all (for migration tests)."""
    url = create_database(pg_server, None)
    yield url
    drop_database(pg_server, url)


@pytest.fixture
def database_url(pg_server, template_db, request):
    """A fresh database migrated to head (copied from the template). For a test that takes ``actors``
    the copy is of ``actors_template``: the fixture's accounts are in it already."""
    made = request.getfixturevalue("actors_template") if "actors" in request.fixturenames else None
    url = create_database(pg_server, made.name if made else template_db)
    if made:
        _WITH_ACTORS[_database_name(url)] = made.actors
    yield url
    _WITH_ACTORS.pop(_database_name(url), None)
    drop_database(pg_server, url)


DEMO_TODAY = dt.date.today()  # the demo's day: the point of sale needs today (a future day's drawer cannot close)


@dataclass(frozen=True)
class DemoTemplate:
    name: str  # a template database on ``pg_server``: copy it (create_demo_database), never connect to it
    summary: Any  # what load_demo returned (pharmacy_desktop.demo.loader.DemoSummary)


@pytest.fixture(scope="session")
def demo_template(pg_server, template_db) -> DemoTemplate:
    """The demo pharmacy (load_demo, today=DEMO_TODAY, 30 patients) in a database that is then only
    copied: loaded once per run instead of in every module that wants its data. It starts loading
    in a process of its own as soon as the migrated template exists (tests/demo_build.py), while the
    first tests run; under xdist one worker loads it and leaves a pg_dump of it for the other, which
    restores that (a few seconds). The first start and the demo over TLS load a demo themselves."""
    from tests import demo_build

    if _DEMO_LOADER:  # this worker started the load beside its first tests (template_db): its result
        url, summary = _DEMO_LOADER[0].finish()
    else:  # the other worker: the dump the loading one leaves (under the run's demo lock), or a load
        url, summary = demo_build.load_locked(
            demo_build.Cluster.of(pg_server), template_db, DEMO_TODAY, _run_shared_dir()
        )
    name = url.rsplit("/", 1)[1]
    _close_as_template(pg_server, name)
    return DemoTemplate(name, summary)


def _new_template(pg_server, template_db: str, name: str) -> str:
    """A copy of the migrated template named ``name``, to fill and then close (_close_as_template): its url."""
    from pharmacy_desktop.db.embedded import url_for

    with psycopg.connect(pg_server.admin_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    return url_for(pg_server.state.port, pg_server.state.password, name)


def _close_as_template(pg_server, name: str) -> None:
    with psycopg.connect(pg_server.admin_dsn("postgres"), autocommit=True) as conn:
        # a database is copied only while no one is connected to it: none may connect from now on
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true')
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


CATALOG_DIR = Path(__file__).resolve().parents[1] / "resources" / "catalog"  # the demo's FDA catalog


@pytest.fixture(scope="session")
def demo_catalog_template(pg_server, template_db) -> str:
    """The migrated template with the demo catalog imported (``import_catalog(url, resources/catalog,
    partial=True)``, as the demo and the catalog tests import it): imported once per run, then only
    copied (``demo_catalog_url``); the import takes seconds, a copy a fraction of one."""
    from pharmacy_desktop.services.catalog_import import import_catalog

    name = f"{TEMPLATE_DB}_catalog"
    import_catalog(_new_template(pg_server, template_db, name), CATALOG_DIR, partial=True)
    _close_as_template(pg_server, name)
    return name


@pytest.fixture
def demo_catalog_url(pg_server, demo_catalog_template):
    """A fresh copy of the migrated database with the demo catalog in it, for this test (write freely).
    A module whose tests all want the catalog makes it its ``database_url`` (and so uow_factory's)."""
    url = create_database(pg_server, demo_catalog_template)
    yield url
    drop_database(pg_server, url)


def _run_shared_dir() -> Path | None:
    """A folder the xdist workers of this run share (None without xdist). Its owner.pid names the
    controller, so the reaper removes it once the run is gone (and the controller at its end)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        return None
    shared = Path(tempfile.gettempdir()) / f"pharmacy-tests-shared-{run}"
    shared.mkdir(exist_ok=True)
    owner = shared / "owner.pid"
    if not owner.exists():
        from pharmacy_desktop.atomic_file import write_atomically

        write_atomically(owner, str(os.getppid()))
    return shared


def create_demo_database(pg_server, demo_template: DemoTemplate) -> str:
    """A fresh copy of the demo (drop it with drop_database)."""
    return create_database(pg_server, demo_template.name)


@pytest.fixture
def demo_database_url(pg_server, demo_template):
    """A fresh copy of the demo pharmacy for this test (write freely; dropped after)."""
    url = create_demo_database(pg_server, demo_template)
    yield url
    drop_database(pg_server, url)


@pytest.fixture
def demo_uow_factory(demo_database_url):
    """A unit-of-work factory over this test's copy of the demo (``demo_database_url``)."""
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    eng = make_engine(demo_database_url)
    yield UnitOfWorkFactory(make_session_factory(eng), workstation="test-ws")
    eng.dispose()


@pytest.fixture(scope="module")
def demo_module_url(pg_server, demo_template):
    """One copy of the demo pharmacy shared by the tests of a module (reading, or writes the other
    tests of the module tolerate); dropped after the module."""
    url = create_demo_database(pg_server, demo_template)
    yield url
    drop_database(pg_server, url)


@pytest.fixture
def engine(database_url):
    from pharmacy_desktop.db.engine import make_engine

    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine):
    from pharmacy_desktop.db.engine import make_session_factory

    return make_session_factory(engine)


@pytest.fixture
def uow_factory(session_factory):
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    return UnitOfWorkFactory(session_factory, workstation="test-ws")


_WORKER_TIME: dict[str, list[float]] = {}  # xdist controller: worker -> [seconds in tests, tests, last report]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    node = getattr(report, "node", None)  # set on the controller's copy of a worker's report (xdist)
    if node is not None:
        seen = _WORKER_TIME.setdefault(node.gateway.id, [0.0, 0, 0.0])
        seen[0] += report.duration
        seen[1] += report.when == "call"
        seen[2] = time.monotonic()


def pytest_terminal_summary(terminalreporter) -> None:
    """One line per xdist worker: its seconds in tests (setup, call, teardown), how many, and when it
    finished, counted from the first worker's end; a worker finishing minutes after the other means
    a long xdist_group or fixture pins too much to it."""
    if _WORKER_TIME:
        first = min(seen[2] for seen in _WORKER_TIME.values())
        terminalreporter.write_line(
            "workers: "
            + "; ".join(
                f"{worker} {seen[0]:.0f} s in {seen[1]} tests, done +{seen[2] - first:.0f} s"
                for worker, seen in sorted(_WORKER_TIME.items())
            )
        )


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SANDBOX, ignore_errors=True)
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # the controller: what its workers shared (_run_shared_dir)
        for shared in Path(tempfile.gettempdir()).glob("pharmacy-tests-shared-*"):
            try:
                mine = int((shared / "owner.pid").read_text()) == os.getpid()
            except (OSError, ValueError):
                continue
            if mine:
                shutil.rmtree(shared, ignore_errors=True)


TEST_PASSWORD = "Counter-Test-2026!"


def make_actor(uow_factory, role: str, username: str | None = None, *, workstation: str = "test-ws"):
    """A real account of ``role`` created through the auth service, signed in: its ``Actor``."""
    from pharmacy_desktop.services import auth

    username = username or f"{role}1"
    admin = None if role == "admin" and username == "admin1" else _admin(uow_factory)
    with _test_password_hashed_once():
        auth.create_user(
            uow_factory,
            admin,
            username=username,
            password=TEST_PASSWORD,
            email=f"{username}@pharmacy.test",
            first_name=role.capitalize(),
            last_name=username.title(),
            role=role,
            license_number="RPH-12345" if role == "pharmacist" else None,
        )
        return auth.sign_in(uow_factory, username, TEST_PASSWORD, workstation)


_test_password_hash: list[str] = []  # argon2id of TEST_PASSWORD, made (and checked) once per worker


@contextlib.contextmanager
def _test_password_hashed_once():
    """While make_actor creates and signs in its account: the account gets the one argon2id hash of
    TEST_PASSWORD this worker made (the app's parameters; the salt shared by the test accounts) and
    the sign-in's check of that pair is the answer found once. Argon2 is slow on purpose (~30 ms a
    run, idle): the `actors` fixture ran it 8 times, in ~440 tests. Any other secret or hash goes
    to the real functions; the sign-in, PIN and password tests call the services unpatched."""
    from pharmacy_desktop import security
    from pharmacy_desktop.services import accounts, auth

    if not _test_password_hash:
        made = security.hash_secret(TEST_PASSWORD)
        assert security.verify_secret(made, TEST_PASSWORD)
        _test_password_hash.append(made)
    (known,) = _test_password_hash

    def hash_secret(secret: str) -> str:
        return known if secret == TEST_PASSWORD else security.hash_secret(secret)

    def verify_secret(stored_hash: str | None, secret: str) -> bool:
        if stored_hash == known and secret == TEST_PASSWORD:
            return True
        return security.verify_secret(stored_hash, secret)

    saved = accounts.hash_secret, auth.verify_secret
    accounts.hash_secret, auth.verify_secret = hash_secret, verify_secret
    try:
        yield
    finally:
        accounts.hash_secret, auth.verify_secret = saved


def _admin(uow_factory):

    cached = getattr(uow_factory, "_test_admin", None)
    if cached is None:
        cached = make_actor(uow_factory, "admin", "admin1")
        uow_factory._test_admin = cached
    return cached


def _make_actors(uow_factory) -> dict[str, Any]:
    admin = _admin(uow_factory)
    result = {"admin": admin}
    for role in ("technician", "pharmacist", "manager"):
        result[role] = make_actor(uow_factory, role)
    return result


@dataclass(frozen=True)
class ActorsTemplate:
    name: str  # a template database on ``pg_server``: the migrated template plus the actors' accounts
    actors: dict[str, Any]  # role -> the Actor signed in while it was made (_make_actors)


_WITH_ACTORS: dict[str, dict[str, Any]] = {}  # a test's database copied from the actors template -> its actors


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def actors_template(pg_server, template_db) -> ActorsTemplate:
    """The migrated template with the ``actors`` fixture's accounts made and signed in once (make_actor,
    the same service calls): a test that takes ``actors`` gets a copy of this (``database_url``)
    instead of making four accounts on a fresh copy (~50 statements on a cold database, ~650 tests).
    Their sessions last a shift (12 h), far longer than a run."""
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    name = f"{TEMPLATE_DB}_actors"
    eng = make_engine(_new_template(pg_server, template_db, name))
    try:
        made = _make_actors(UnitOfWorkFactory(make_session_factory(eng), workstation="test-ws"))
    finally:
        eng.dispose()
    _close_as_template(pg_server, name)
    return ActorsTemplate(name, made)


@pytest.fixture
def actors(uow_factory):
    """One signed-in ``Actor`` per role: actors["technician"], ["pharmacist"], ["manager"], ["admin"].
    On a copy of ``actors_template`` (the conftest's ``database_url``) the accounts are there already:
    its actors; on any other database (a module's own ``database_url``) they are made now."""
    bind = getattr(uow_factory.session_factory, "kw", {}).get("bind")
    made = _WITH_ACTORS.get(bind.url.database) if bind is not None else None
    if made is None:
        return _make_actors(uow_factory)
    uow_factory._test_admin = made["admin"]  # make_actor's admin (_admin) for the test's further accounts
    return dict(made)


@pytest.fixture
def app_look(qapp):
    """The application's font and style sheet for this test (make_application: Fusion, an 11 pt base
    font, what a counter workstation shows); the look before it again afterwards. Inside a module
    that holds ``module_look`` the look is the application's already: nothing to set or put back."""
    from pharmacy_desktop.ui.app import make_application

    if _BASE_LOOK:
        yield qapp
        return
    before = _look_of(qapp)
    _delete_dropped_widgets(qapp)
    make_application()
    yield qapp
    # a style sheet set on the application repolishes every widget alive: first the ones this test
    # dropped (closed and deleteLater'd by pytest-qt, but processEvents never runs deferred deletes),
    # or every later test pays for all the windows of the earlier ones (the run's end crawled)
    _put_look(qapp, before)


@pytest.fixture(scope="module")
def module_look(qapp):
    """The application's look (make_application) for every test of the module, set once: for windows
    a module shares between its tests (a shell built once per role and size, ``tests/shell/shared.py``).
    While it holds, ``app_look`` changes nothing and the check after each test puts back this look
    (not Qt's own) if a test changed it; Qt's own look again after the module. The remembered display
    choices it reads are the module's own (an empty folder: the workstation's defaults)."""
    from pharmacy_desktop.ui.app import make_application

    _remember_pristine_look(qapp)
    with _own_display_prefs():
        _delete_dropped_widgets(qapp)
        make_application()
        _BASE_LOOK.update(_look_of(qapp))
        try:
            yield qapp
        finally:
            _BASE_LOOK.clear()
            _put_look(qapp, _PRISTINE_LOOK)


_PRISTINE_LOOK: dict = {}  # Qt's own look, before any test changed it
_BASE_LOOK: dict = {}  # the look between the tests of a module holding module_look (else Qt's own)
_LOOK_PROPERTIES = ("pharmacyTheme", "pharmacyZoom")  # ui/theme.py: what apply_look dressed the app in
_display_folders = itertools.count()


def _look_of(app) -> dict:
    return {
        "font": app.font(),
        "sheet": app.styleSheet(),
        "palette": app.palette(),
        **{name: app.property(name) for name in _LOOK_PROPERTIES},
    }


def _put_look(app, look: dict) -> None:
    """``look`` (a _look_of) on the application again, touching only what differs: a style sheet or
    font set on the application reaches every widget alive (the dropped ones are deleted first)."""
    for name in _LOOK_PROPERTIES:
        if app.property(name) != look[name]:
            app.setProperty(name, look[name])
    if app.styleSheet() != look["sheet"]:
        _delete_dropped_widgets(app)
        app.setStyleSheet(look["sheet"])
    if app.font() != look["font"]:
        app.setFont(look["font"])
    if app.palette() != look["palette"]:
        app.setPalette(look["palette"])


def _remember_pristine_look(app) -> None:
    if not _PRISTINE_LOOK:  # before any test could change it: Qt's own look
        _PRISTINE_LOOK.update(_look_of(app))


def _restore_look(app) -> None:
    """The look between tests again (Qt's own, or the module's: module_look) after a test that changed
    it and did not put it back: the e2e counter day and the fill pictures call make_application
    themselves, a test's zoom or contrast keys change the app's look. Later tests measure text."""
    if _PRISTINE_LOOK:
        _put_look(app, _BASE_LOOK or _PRISTINE_LOOK)


def _delete_dropped_widgets(qapp) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@contextlib.contextmanager
def _own_display_prefs():
    """The remembered display choices (ui/display_prefs.py: each user's zoom and theme, the
    workstation's) in a folder of their own, empty at first, while the block runs: a shell's sign-in
    applies what an earlier test's zoom or contrast keys remembered for the same test account, and
    the worker-wide config folder carried it into every later test's look."""
    from pharmacy_desktop.ui import display_prefs

    own = _SANDBOX / "display-prefs" / str(next(_display_folders)) / "display.toml"  # made when saved
    saved = display_prefs.display_path
    display_prefs.display_path = lambda: own
    try:
        yield own
    finally:
        flush = getattr(display_prefs, "flush", None)  # a change queued by the test: written where it was meant
        if flush is not None:
            flush(10.0)
        display_prefs.display_path = saved


@pytest.fixture(autouse=True)
def _background_work_finishes(request):
    """No background operation (ui/ops.run_in_background) outlives its test and the test's database:
    a pool thread still querying while the next test's fixtures tear down or start crashed a worker.
    And the Qt objects a test dropped are collected here, on the GUI thread: left to the cyclic
    garbage collector, they were once destroyed on a pool thread in the next test (a segfault).
    A Qt test's remembered display choices are its own (_own_display_prefs)."""
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is not None and widgets.QApplication.instance() is not None:
        _remember_pristine_look(widgets.QApplication.instance())
    with contextlib.ExitStack() as stack:
        if "qapp" in request.fixturenames:
            stack.enter_context(_own_display_prefs())
        yield
        _after_qt_test(request)


def _after_qt_test(request) -> None:
    """What a Qt test left: its look, its background work, the widgets it dropped, a modal dialog."""
    widgets = sys.modules.get("PySide6.QtWidgets")  # a test that never touched Qt has nothing to wait for
    if widgets is not None and widgets.QApplication.instance() is not None:
        _restore_look(widgets.QApplication.instance())
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(10_000)
        widgets.QApplication.processEvents()
        _delete_dropped_widgets(widgets.QApplication.instance())  # what pytest-qt closed: gone now
        if "qtbot" in request.fixturenames or "qapp" in request.fixturenames:
            gc.collect()
        # nor a modal dialog: one left open steals the next test's scans and keys ("A dialog is open")
        for _ in range(20):
            modal = widgets.QApplication.activeModalWidget()
            if modal is None:
                break
            modal.hide()
            modal.deleteLater()
            widgets.QApplication.processEvents()
