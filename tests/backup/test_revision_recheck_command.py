"""The long-running command (`notifications run`) started while the server was unreachable checks
the database's revision when the server answers, and stops as at start on a database a newer
release migrated meanwhile (issue 17)."""

from __future__ import annotations

import threading
import time

import pytest

from pharmacy_desktop import cli
from tests.backup.test_revision_guard import _as_newer_app
from tests.backup.test_revision_recheck import proxy_url  # noqa: F401 - the fixture, shared

pytestmark = [pytest.mark.db]


def test_notifications_run_stops_on_a_newer_database_once_the_server_answers(proxy_url, database_url, capsys):  # noqa: F811
    proxy, url = proxy_url
    result: list[int] = []
    command = threading.Thread(
        target=lambda: result.append(cli.main(["notifications", "run", "--interval", "0.5", "--database-url", url])),
        daemon=True,
    )
    command.start()
    said = ""
    deadline = time.monotonic() + 60
    while "Sending patient notifications" not in said and command.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
        said += capsys.readouterr().err
    assert "Sending patient notifications" in said and command.is_alive()  # started unchecked: no answer
    _as_newer_app(database_url, stamp=True)
    proxy.up()
    command.join(60)
    assert not command.is_alive() and result == [2]
    err = capsys.readouterr().err
    assert "revision 0999" in err and "9.0.0" in err
