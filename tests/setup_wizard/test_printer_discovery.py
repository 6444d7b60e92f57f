"""Printers found on the subnet's raw port: a host that accepts the connection, nothing else."""

from __future__ import annotations

import socket

import pytest

from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services.printer_discovery import discover, hosts_of


@pytest.fixture
def listening_printer():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    yield server.getsockname()[1]
    server.close()


def test_a_listening_host_is_found(listening_printer):
    assert discover("127.0.0.1/32", port=listening_printer) == (f"tcp://127.0.0.1:{listening_printer}",)


def test_a_closed_port_is_not_a_printer(listening_printer):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    assert discover("127.0.0.1/32", port=closed) == ()


def test_only_the_pharmacy_network_is_searched():
    with pytest.raises(ValidationFailed, match="too large"):
        discover("10.0.0.0/8")
    with pytest.raises(ValidationFailed, match="not a private"):
        discover("8.8.8.0/24")
    with pytest.raises(ValidationFailed, match="not a network"):
        discover("printers please")
    assert len(hosts_of("192.168.1.0/24")) == 254


def test_the_wizard_step_offers_what_it_found(qtbot, listening_printer, monkeypatch):
    from PySide6.QtCore import Qt

    from pharmacy_desktop.services import printer_discovery
    from pharmacy_desktop.ui.widgets import first_run_printers

    monkeypatch.setattr(
        first_run_printers, "discover", lambda network: printer_discovery.discover(network, port=listening_printer)
    )
    chosen: list[tuple[str, str]] = []
    finder = first_run_printers.PrinterFinder("127.0.0.1/32", lambda role, uri: chosen.append((role, uri)))
    qtbot.addWidget(finder)
    finder.show()
    qtbot.mouseClick(finder.search, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(finder.found), timeout=10_000)
    uri = f"tcp://127.0.0.1:{listening_printer}"
    assert finder.found == (uri,) and "1 printer(s) found" in finder.status.text()
    receipt = finder.findChild(first_run_printers.QPushButton, "use_receipt_0")
    qtbot.waitUntil(receipt.isVisible, timeout=5_000)
    qtbot.mouseClick(receipt, Qt.MouseButton.LeftButton)
    assert chosen == [("receipt", uri)] and receipt.text().endswith("chosen") and not receipt.icon().isNull()
    finder.grab().save("/tmp/first_run_printers_found.png")

    finder.network.setText("10.0.0.0/8")
    qtbot.mouseClick(finder.search, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "too large" in finder.error.text(), timeout=10_000)
