"""Item 12 of issue 11 (print sender half): a database outage is one warning and one "back", no tracebacks.

The sender talks to the real test PostgreSQL through a loopback proxy the test switches off and on,
so "away" is a refused connection and "back" is the real server again.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from sqlalchemy.engine import make_url

from pharmacy_desktop.db.embedded import free_port
from pharmacy_desktop.db.engine import make_engine, make_session_factory
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.services.print_sender import PrintSender
from pharmacy_desktop.services.printer_settings import printer_settings_from
from tests.printing.conftest import workstation_config
from tests.printing.test_print_queue import job, queue_label

LOGGER = "pharmacy_desktop.services.print_sender"


class Proxy:
    """Forwards 127.0.0.1:port to the database while on; off closes the listener and every connection."""

    def __init__(self, port: int, upstream: tuple[str, int]) -> None:
        self.port, self.upstream = port, upstream
        self.sockets: list[socket.socket] = []
        self.server: socket.socket | None = None

    def on(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def off(self) -> None:
        if self.server is not None:
            try:
                self.server.shutdown(socket.SHUT_RDWR)  # wakes the accept() (a bare close would not)
            except OSError:
                pass
            self.server.close()
            self.server = None
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def records(caplog, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == level]


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_database_outage_is_one_warning_then_one_info_and_no_traceback(
    caplog, database_url, uow_factory, actors, fill, printer
):
    caplog.set_level(logging.INFO, logger=LOGGER)
    real = make_url(database_url)
    proxy = Proxy(free_port(), (real.host, real.port))
    engine = make_engine(real.set(port=proxy.port).render_as_string(hide_password=False), pool_size=1)
    through_proxy = UnitOfWorkFactory(make_session_factory(engine), workstation="test-ws")
    fake = printer()
    cfg = workstation_config(label_uri=fake.uri)
    dispatcher = PrintSender(
        through_proxy, lambda: printer_settings_from(cfg), "test-ws", poll_interval=0.05, timeout=2.0
    )
    dispatcher.start()
    try:
        time.sleep(1.0)  # about 20 passes against a database that refuses connections
        assert dispatcher.running
        [warning] = records(caplog, logging.WARNING)
        assert "database cannot be reached" in warning.getMessage() and "stay queued" in warning.getMessage()
        assert records(caplog, logging.INFO) == [] and records(caplog, logging.ERROR) == []

        job_id = queue_label(uow_factory, actors["technician"], fill[0], cfg)  # queued while the sender is cut off
        proxy.on()  # the database is back
        wait_for(lambda: job(uow_factory, job_id).status == "printed")
        wait_for(lambda: records(caplog, logging.INFO))  # logged when the pass ends, after the job is recorded
        [back] = records(caplog, logging.INFO)
        assert "database is reachable again" in back.getMessage()
        assert fake.wait_jobs(1)

        proxy.off()  # a second outage: one more warning, still no traceback
        time.sleep(1.0)
        assert len(records(caplog, logging.WARNING)) == 2
        assert len(records(caplog, logging.INFO)) == 1
    finally:
        dispatcher.stop()
        proxy.off()
        engine.dispose()
    mine = [r for r in caplog.records if r.name == LOGGER]
    assert not any(r.exc_info for r in mine)
    assert "Traceback" not in caplog.text and "SELECT" not in caplog.text


def test_a_bug_is_logged_with_its_traceback_once_not_every_pass(caplog, uow_factory):
    caplog.set_level(logging.INFO, logger=LOGGER)
    dispatcher = PrintSender(uow_factory, printer_settings_from(workstation_config()), "test-ws", poll_interval=0.05)
    passes = []

    def broken_pass():
        passes.append(1)
        raise KeyError("printer_role")

    dispatcher.send_pending = broken_pass
    dispatcher.start()
    time.sleep(0.6)
    dispatcher.stop()
    assert len(passes) >= 5
    [error] = records(caplog, logging.ERROR)
    assert error.exc_info is not None and records(caplog, logging.WARNING) == []
