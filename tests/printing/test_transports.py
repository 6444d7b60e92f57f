"""Printer transports against real sockets on 127.0.0.1 (no other network address is used)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from pharmacy_desktop.db.embedded import free_port
from pharmacy_desktop.printing.layouts import render_label, render_receipt
from pharmacy_desktop.printing.profiles import get_profile
from pharmacy_desktop.printing.transports import (
    PrinterAddress,
    PrinterConfigError,
    PrinterDisconnected,
    PrinterError,
    PrinterOffline,
    PrinterTimeout,
    parse_printer_uri,
    send,
    status,
)
from tests.escpos_parse import Cut, DrawerKick, parse
from tests.printing.conftest import FakePrinter, never_read, read_silently, read_then_reset
from tests.printing.test_print_layouts import make_label, make_receipt

BIG_JOB = b"\x1b@" + b"X" * (4 * 1024 * 1024)  # far more than any socket buffer


def read_all_keep_open(conn: socket.socket, fake: FakePrinter) -> None:
    conn.settimeout(0.1)
    while not fake.stop.is_set():
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            fake.stop.wait(10)  # saw our FIN but keeps its side open, like some print servers
            return
        fake.received += chunk


# ---- addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("tcp://10.0.0.5", PrinterAddress("tcp", host="10.0.0.5", port=9100)),
        ("tcp://10.0.0.5:9101", PrinterAddress("tcp", host="10.0.0.5", port=9101)),
        ("TCP://printer.local:9100/", PrinterAddress("tcp", host="printer.local", port=9100)),
        ("tcp://[fe80::1]:9100", PrinterAddress("tcp", host="fe80::1", port=9100)),
        ("file:/dev/usb/lp0", PrinterAddress("file", path="/dev/usb/lp0")),
        ("file:///tmp/spool.bin", PrinterAddress("file", path="/tmp/spool.bin")),
        ("usb:04b8:0202", PrinterAddress("usb", vendor_id=0x04B8, product_id=0x0202)),
        ("usb:0x0416:0x5011", PrinterAddress("usb", vendor_id=0x0416, product_id=0x5011)),
        ("serial:/dev/ttyS0", PrinterAddress("serial", path="/dev/ttyS0", baudrate=9600)),
        ("serial:/dev/ttyUSB0?baudrate=19200", PrinterAddress("serial", path="/dev/ttyUSB0", baudrate=19200)),
        ("serial:COM3?baudrate=38400", PrinterAddress("serial", path="COM3", baudrate=38400)),
    ],
)
def test_parse_printer_uri(uri, expected):
    address = parse_printer_uri(uri)
    assert address == expected
    assert parse_printer_uri(address.uri) == address  # the canonical form round-trips


@pytest.mark.parametrize(
    "uri",
    [
        "10.0.0.5",
        "ftp://10.0.0.5",
        "tcp://",
        "tcp://host:99999",
        "tcp://host:9100/queue",
        "file:",
        "usb:04b8",
        "usb:zz:0202",
        "usb:0:0202",
        "serial:",
        "serial:/dev/ttyS0?baud=9600",
        "serial:/dev/ttyS0?baudrate=fast",
    ],
)
def test_bad_printer_uris_get_a_clear_message(uri):
    with pytest.raises(PrinterConfigError) as error:
        parse_printer_uri(uri)
    assert str(error.value)


def test_address_text_for_messages():
    assert str(parse_printer_uri("tcp://10.0.0.5")) == "10.0.0.5:9100"
    assert parse_printer_uri("usb:4b8:202").uri == "usb:04b8:0202"


# ---- TCP ---------------------------------------------------------------------------------


def test_label_bytes_arrive_intact_and_parse_back(printer):
    fake = printer(read_silently)
    data = render_label(make_label(rx_number="6001234", refills_remaining=0), get_profile("TM-T88V"))
    send(fake.uri, data, timeout=2.0)
    assert fake.done.wait(2)
    assert bytes(fake.received) == data
    printed = parse(bytes(fake.received))
    assert "Jane Q Doe" in printed.text and "No refills" in printed.text
    assert printed.barcodes[0].data == b"{B6001234"
    assert printed.cuts == [Cut(partial=True)]


def test_cash_receipt_over_tcp_carries_the_drawer_kick_and_cut(printer):
    fake = printer(read_silently)
    data = render_receipt(make_receipt(), get_profile("TM-T20II"))
    send(parse_printer_uri(fake.uri), data)
    assert fake.done.wait(2)
    printed = parse(bytes(fake.received))
    assert printed.kicks == [DrawerKick(2, 100, 100)] and printed.cuts == [Cut(partial=True)]
    assert any(line.text.startswith("TOTAL") and line.text.endswith("$19.62") for line in printed.lines)


def test_a_large_job_to_a_slow_but_steady_printer_is_not_a_timeout(printer):
    def slow_reader(conn: socket.socket, fake: FakePrinter) -> None:
        while chunk := conn.recv(8192):
            fake.received += chunk
            time.sleep(0.001)

    fake = printer(slow_reader, rcvbuf=8192)
    data = b"\x1b@" + b"Y" * 600_000
    send(fake.uri, data, timeout=0.5)  # the whole job takes longer than 0.5 s; no single stall does
    assert fake.done.wait(5)
    assert bytes(fake.received) == data


def test_nothing_listening_is_offline_fast():
    port = free_port()
    started = time.monotonic()
    with pytest.raises(PrinterOffline) as error:
        send(f"tcp://127.0.0.1:{port}", b"\x1b@hello\n", timeout=5.0)
    assert time.monotonic() - started < 1.0
    assert str(error.value) == (
        f"Printer at 127.0.0.1:{port} refused the connection: check it is on and plugged in to the network"
    )


def test_printer_that_accepts_and_never_reads_times_out_within_the_timeout(printer):
    fake = printer(never_read, rcvbuf=4096)
    started = time.monotonic()
    with pytest.raises(PrinterTimeout) as error:
        send(fake.uri, BIG_JOB, timeout=1.0)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0
    assert "stopped taking data" in str(error.value) and f"127.0.0.1:{fake.port}" in str(error.value)


def test_printer_that_drops_mid_job_is_disconnected(printer):
    fake = printer(read_then_reset(1024), rcvbuf=4096)
    with pytest.raises(PrinterDisconnected) as error:
        send(fake.uri, BIG_JOB, timeout=2.0)
    assert "dropped the connection" in str(error.value)
    assert len(fake.received) == 1024


def test_printer_that_resets_after_the_last_send_is_still_caught(printer):
    """A small job fits in the kernel buffers, so send() succeeds; the reset comes after."""
    fake = printer(read_then_reset(100))
    with pytest.raises(PrinterDisconnected):
        send(fake.uri, b"\x1b@" + b"Z" * 2000, timeout=2.0)


def test_printer_that_keeps_the_connection_open_after_the_job_is_still_sent(printer):
    fake = printer(read_all_keep_open)
    data = render_label(make_label(), get_profile("TM-T88V"))
    started = time.monotonic()
    send(fake.uri, data, timeout=3.0)
    assert time.monotonic() - started < 2.0  # decided by TCP acknowledgements, not by the timeout
    deadline = time.monotonic() + 2
    while len(fake.received) < len(data) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bytes(fake.received) == data


def test_known_limit_a_job_that_fits_the_printer_buffers_counts_as_sent(printer):
    """Raw port 9100 has no print acknowledgement: bytes the printer's TCP stack took are 'sent'."""
    fake = printer(never_read)
    send(fake.uri, b"\x1b@small job\n", timeout=2.0)


def test_all_transport_failures_share_one_base_class():
    for error in (PrinterOffline, PrinterTimeout, PrinterDisconnected, PrinterConfigError):
        assert issubclass(error, PrinterError)


# ---- file, USB, serial -------------------------------------------------------------------


def test_file_transport_appends(tmp_path):
    spool = tmp_path / "printer.bin"
    send(f"file:{spool}", b"first job\n")
    send(parse_printer_uri(f"file:{spool}"), b"second job\n")
    assert spool.read_bytes() == b"first job\nsecond job\n"


def test_missing_device_is_offline(tmp_path):
    with pytest.raises(PrinterOffline, match="is not there"):
        send(f"file:{tmp_path}/no-such-dir/lp0", b"x")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_device_that_never_takes_data_times_out(tmp_path):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)  # opening it for writing blocks until a reader comes: a hung device
    started = time.monotonic()
    with pytest.raises(PrinterTimeout):
        send(f"file:{fifo}", b"x" * 100, timeout=0.5)
    assert time.monotonic() - started < 2.0
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # release the helper thread
    time.sleep(0.1)
    os.close(reader)


def test_usb_without_pyusb_says_what_is_missing():
    from escpos.printer import Usb

    if Usb.is_usable():
        pytest.skip("pyusb is installed here")
    with pytest.raises(PrinterConfigError, match="pyusb"):
        send("usb:04b8:0202", b"x")


def test_serial_without_pyserial_says_what_is_missing():
    from escpos.printer import Serial

    if Serial.is_usable():
        pytest.skip("pyserial is installed here")
    with pytest.raises(PrinterConfigError, match="pyserial"):
        send("serial:/dev/ttyS0?baudrate=9600", b"x")


# ---- status ------------------------------------------------------------------------------


def answering(reply: bytes) -> Callable[[socket.socket, FakePrinter], None]:
    def serve(conn: socket.socket, fake: FakePrinter) -> None:
        while len(fake.received) < 9:
            fake.received += conn.recv(9 - len(fake.received))
        conn.sendall(reply)

    return serve


def test_status_of_a_ready_printer(printer):
    fake = printer(answering(b"\x16\x12\x12"))
    state = status(fake.uri)
    assert state is not None and state.ready
    assert bytes(fake.received) == b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"


def test_status_paper_out_and_cover_open(printer):
    fake = printer(answering(b"\x1e\x16\x72"))
    state = status(fake.uri)
    assert state is not None
    assert (state.online, state.cover_open, state.paper_out, state.ready) == (False, True, True, False)


def test_status_is_none_when_the_printer_does_not_answer(printer):
    fake = printer(never_read)
    started = time.monotonic()
    assert status(fake.uri, timeout=0.3) is None
    assert time.monotonic() - started < 1.5
    assert status(f"tcp://127.0.0.1:{free_port()}", timeout=0.3) is None
    assert status("file:/dev/null") is None


def test_rendered_label_is_deterministic():
    """The queue may store bytes and reprint them later: the same data renders the same bytes."""
    label = make_label(date_filled=date(2025, 1, 2), quantity=Decimal("30"))
    assert render_label(label, get_profile("TM-T88V")) == render_label(label, get_profile("TM-T88V"))
