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
