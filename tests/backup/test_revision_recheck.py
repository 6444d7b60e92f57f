"""The revision guard when the server is unreachable at start (issue 17): the app opens as before
(it reconnects by itself), and the check runs when the server answers again. A database a newer
release migrated meanwhile is then refused as at start, with the message naming the release to
install; a compatible one is used on."""

from __future__ import annotations

import argparse

import pytest

from pharmacy_desktop.app import open_database, recheck_revision
from pharmacy_desktop.db import migrate
from tests.backup.test_revision_guard import _as_newer_app
from tests.faults.proxy import TcpProxy

pytestmark = [pytest.mark.db]


@pytest.fixture
def proxy_url(database_url):
    """The test database behind a proxy that starts down (the server unreachable at open)."""
    port = int(database_url.rsplit(":", 1)[1].split("/", 1)[0])
    proxy = TcpProxy(port)
    proxy.down()
    try:
        yield proxy, proxy.url(database_url)
    finally:
        proxy.close()


def test_an_unreachable_server_is_checked_when_it_answers(proxy_url, database_url):
    proxy, url = proxy_url
    app = open_database(url)
    try:
        assert app.revision_unchecked  # opened (as before), the check owed
        assert recheck_revision(app.url) is False  # still unreachable: still owed
        proxy.up()
        assert recheck_revision(app.url) is True  # a compatible database: used on
        _as_newer_app(database_url, stamp=True)
        with pytest.raises(migrate.DatabaseTooNew, match=r"pharmacy-desktop 9\.0\.0 or newer"):
            recheck_revision(app.url)
    finally:
        app.close()


def test_a_reachable_server_is_checked_at_open_and_not_owed(database_url):
    app = open_database(database_url)
    try:
        assert not app.revision_unchecked
    finally:
        app.close()


def test_the_app_refuses_a_newer_database_when_the_server_comes_back(proxy_url, database_url, qtbot, qapp, monkeypatch):
    import threading

    import pharmacy_desktop.app as app_mod
    from pharmacy_desktop.ui.app import Session

    asked_from: list[str] = []
    real = app_mod.recheck_revision

    def recheck(where: str) -> bool:
        asked_from.append(threading.current_thread().name)
        return real(where)

    monkeypatch.setattr(app_mod, "recheck_revision", recheck)
    proxy, url = proxy_url
    session = Session(qapp, argparse.Namespace(database_url=url))
    qtbot.addWidget(session.startup)
    try:
        session.start()
        qtbot.waitUntil(lambda: session.signin_window is not None, timeout=30_000)  # opened unchecked
        assert session.database is not None and session.database.revision_unchecked
        signin = session.signin_window
        assert signin is not None and signin.isVisible()
        _as_newer_app(database_url, stamp=True)  # a newer release migrated it while we could not see it
        proxy.up()
        qtbot.waitUntil(lambda: "9.0.0" in session.startup.message.text(), timeout=30_000)
        text = session.startup.message.text()
        assert text.startswith("This app cannot use the database.") and "revision 0999" in text
        assert session.startup.isVisible() and not signin.isVisible()
        assert session.database is None  # closed, with the background work
        assert asked_from and threading.main_thread().name not in asked_from  # never on the GUI thread
        session.startup.resize(620, 260)
        session.startup.grab().save("/tmp/h7_refused_on_reconnect.png")
    finally:
        qapp.aboutToQuit.disconnect(session.shutdown)
        if session.database is not None:
            session.shutdown()
