"""Start-up without a long turn of the GUI thread (bench/gui_stall.py): the start-up thread builds the
workers and imports the sign-in's modules; the sign-in window is built in a turn of its own; an error
message does not import alembic on the GUI thread."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_plain_error_message_does_not_import_alembic():
    # a fresh interpreter: the test process has imported alembic long ago
    code = (
        "import sys\n"
        "from pharmacy_desktop.error_messages import failure_message\n"
        "from pharmacy_desktop.ui.ops import user_message\n"
        "assert failure_message(ValueError('x')) is None\n"
        "user_message(RuntimeError('y'))\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_the_first_window_comes_up_without_the_database_layer(tmp_path):
    # a fresh interpreter: the app's start as far as the start-up window, its start-up thread not run
    code = (
        "import argparse, sys\n"
        "import pharmacy_desktop.ui.app as app_mod\n"
        "app = app_mod.make_application()\n"
        "app_mod.run_in_background = lambda *args, **kwargs: None  # the start-up thread's part\n"
        "session = app_mod.Session(app, argparse.Namespace(database_url='postgresql://nobody@localhost:1/x'))\n"
        "session.start()\n"
        "app.processEvents()\n"
        "assert session.startup.isVisible()\n"
        "print(sorted(m for m in ('sqlalchemy', 'psycopg', 'pharmacy_desktop.db.unit_of_work') if m in sys.modules))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHARMACY_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_alembics_command_error_is_still_recognised():
    from alembic.util import CommandError

    from pharmacy_desktop.error_messages import failure_message

    class Narrower(CommandError):
        pass

    for exc in (CommandError("Can't locate revision identified by 'nonsense'"), Narrower("not ahead")):
        message = failure_message(exc)
        assert message is not None and message.startswith("The migration was refused: ")
        assert "Known revisions: base, " in message


def test_a_class_named_like_it_elsewhere_is_not_a_migration_error():
    from pharmacy_desktop.error_messages import migration_error_message

    class CommandError(Exception):  # noqa: N818 - alembic's name, in another module
        pass

    assert migration_error_message(CommandError("x")) is None


def test_the_sign_in_window_is_built_in_a_turn_of_its_own(database_url, qtbot, qapp, monkeypatch):
    import pharmacy_desktop.ui.app as app_mod
    from pharmacy_desktop.ui import icons
    from pharmacy_desktop.ui.app import Session

    # not the icon fonts on a thread of the test process (tests/shell/test_latency_freeze.py says why)
    monkeypatch.setattr(icons, "warm", lambda: None)
    imported_on: list[str] = []
    real_import = app_mod.import_modules

    def import_modules(names):
        imported_on.append(threading.current_thread().name)
        real_import(names)

    monkeypatch.setattr(app_mod, "import_modules", import_modules)
    after_ready: list[object] = []
    real_ready = Session._database_ready

    def database_ready(self, started):
        real_ready(self, started)
        after_ready.append((self.signin_window, self.startup.isVisible(), self.listener is not None))

    monkeypatch.setattr(Session, "_database_ready", database_ready)
    session = Session(qapp, argparse.Namespace(database_url=database_url))
    qtbot.addWidget(session.startup)
    try:
        session.start()
        qtbot.waitUntil(lambda: session.signin_window is not None, timeout=60_000)
        # the turn that had the start-up thread's result started the listener and workers, no window
        assert after_ready == [(None, True, True)]
        signin = session.signin_window
        qtbot.addWidget(signin)
        assert signin.isVisible() and not session.startup.isVisible()  # the sign-in replaced the start-up window
        assert session.printing is not None and session.expiry is not None and session.notifying is not None
        # the sign-in's modules were imported by the start-up thread, not the GUI thread
        assert imported_on and threading.main_thread().name not in imported_on
        if session._preload is not None:
            session._preload.join(timeout=60)
    finally:
        qapp.aboutToQuit.disconnect(session.shutdown)
        session.shutdown()


def test_a_database_refused_before_the_sign_in_turn_shows_no_sign_in(qtbot, qapp, monkeypatch):
    from pharmacy_desktop.ui.app import Session

    session = Session(qapp, argparse.Namespace(database_url="postgresql://nobody@localhost:1/none"))
    qtbot.addWidget(session.startup)
    try:
        session._show_sign_in()  # the turn after _database_ready, once _database_refused cleared the database
        assert session.signin_window is None
    finally:
        qapp.aboutToQuit.disconnect(session.shutdown)


def test_a_sign_in_before_the_preload_ends_waits_without_holding_the_gui_thread(qtbot, qapp):
    from pharmacy_desktop.ui.app import Session

    session = Session(qapp, argparse.Namespace(database_url="postgresql://nobody@localhost:1/none"))
    qtbot.addWidget(session.startup)
    release = threading.Event()
    session._preload = threading.Thread(target=release.wait, args=(30,), daemon=True)
    session._preload.start()
    try:
        session._signed_in(object())  # type: ignore[arg-type]  # returns at once: no join on the preload
        assert session.window is None and session._preload.is_alive()
        real, looks, opened = session._signed_in, [], []

        def signed_in(actor):  # the retries: on to the shell (recorded here) once the preload is done
            looks.append(actor)
            (real if session._preload.is_alive() else opened.append)(actor)

        session._signed_in = signed_in  # type: ignore[method-assign]
        qtbot.wait(150)
        assert len(looks) >= 2 and not opened  # still importing: looked at again, the loop turning meanwhile
        release.set()
        qtbot.waitUntil(lambda: bool(opened), timeout=5_000)
    finally:
        release.set()
        qapp.aboutToQuit.disconnect(session.shutdown)
