"""Send rendered bytes to a printer: raw TCP (port 9100), file or device path, USB, serial.

`send` blocks; callers run it off the GUI thread (the print queue's worker). Every failure is a
PrinterError subclass whose message can be shown to the user as it is.

What "sent" means over TCP: raw port 9100 has no acknowledgement of printing. `send` returns
after the printer's network stack has taken every byte and either closed the connection or (on
Linux, where the kernel tells) acknowledged all of it. A printer that takes the bytes into its
buffer and then jams still counts as sent; `status()` can ask a printer that answers DLE EOT.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time

from pharmacy_desktop.printing.addresses import (
    DEFAULT_TCP_PORT,
    Delivery,
    PrinterAddress,
    PrinterConfigError,
    PrinterDisconnected,
    PrinterError,
    PrinterNotReady,
    PrinterOffline,
    PrinterTimeout,
    parse_printer_uri,
)
from pharmacy_desktop.printing.printer_status import STATUS_QUERIES, PrinterStatus, read_status

__all__ = [
    "PrinterAddress",
    "PrinterError",
    "PrinterConfigError",
    "PrinterOffline",
    "PrinterTimeout",
    "PrinterDisconnected",
    "PrinterNotReady",
    "PrinterStatus",
    "Delivery",
    "parse_printer_uri",
    "send",
    "status",
    "DEFAULT_TCP_PORT",
]

_CHUNK = 4096
# A small send buffer makes a printer that stopped reading visible within the timeout instead
# of after the kernel has swallowed megabytes; it costs nothing at receipt sizes.
_SNDBUF = 16 * 1024
_CLOSE_GRACE = 0.5  # seconds to wait for the printer to close before trusting TCP acknowledgements
_DISCONNECT_ERRNOS = {errno.EPIPE, errno.ECONNRESET, errno.ECONNABORTED, errno.ENOTCONN, errno.ESHUTDOWN}


def send(
    address: PrinterAddress | str,
    data: bytes,
    timeout: float = 5.0,
    *,
    ask_status: bool = False,
    status_timeout: float = 1.5,
) -> Delivery:
    """Deliver `data` to the printer or raise a PrinterError; `timeout` bounds each wait, not the job.

    With `ask_status` (the printer model answers DLE EOT), a TCP printer is asked for its state
    after the job on the same connection, waiting at most `status_timeout`: paper out, paper
    nearly out, cover open, offline or an error raise PrinterNotReady. Without an answer (or on
    USB, serial and files, which are not asked) the returned Delivery is not confirmed.
    """
    if isinstance(address, str):
        address = parse_printer_uri(address)
    if address.kind == "tcp":
        return _send_tcp(address, data, timeout, status_timeout if ask_status else None)
    if address.kind == "file":
        _send_file(address, data, timeout)
    elif address.kind == "usb":
        _send_usb(address, data, timeout)
    else:
        _send_serial(address, data, timeout)
    return Delivery(asked=False)


def _connect(address: PrinterAddress, timeout: float) -> socket.socket:
    where = str(address)
    try:
        infos = socket.getaddrinfo(address.host, address.port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise PrinterOffline(f"Printer host {address.host!r} is unknown: check the printer address") from None
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SNDBUF)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last = error
    if isinstance(last, ConnectionRefusedError):
        raise PrinterOffline(
            f"Printer at {where} refused the connection: check it is on and plugged in to the network"
        ) from last
    if isinstance(last, socket.timeout):
        raise PrinterOffline(
            f"Printer at {where} did not answer within {timeout:g} s: check it is on and on the network"
        ) from last
    raise PrinterOffline(f"Printer at {where} cannot be reached ({_reason(last)}): check the network") from last


def _reason(error: OSError | None) -> str:
    if error is None:
        return "no address"
    return error.strerror or str(error)


def _send_tcp(address: PrinterAddress, data: bytes, timeout: float, status_timeout: float | None) -> Delivery:
    where = str(address)
    sock = _connect(address, timeout)
    try:
        view = memoryview(data)
        sent = 0
        while sent < len(data):
            try:
                # One send() blocks only until some buffer space frees up, so the timeout
                # measures a stall (printer stopped reading), not the length of the job.
                sent += sock.send(view[sent : sent + _CHUNK])
            except TimeoutError:
                raise PrinterTimeout(
                    f"Printer at {where} stopped taking data after {sent} of {len(data)} bytes "
                    f"for {timeout:g} s: check paper, cover and errors on the printer"
                ) from None
            except OSError as error:
                if error.errno in _DISCONNECT_ERRNOS:
                    raise PrinterDisconnected(
                        f"Printer at {where} dropped the connection after {sent} of {len(data)} bytes: "
                        "the job did not finish"
                    ) from error
                raise PrinterError(f"Sending to printer at {where} failed: {_reason(error)}") from error
        # Real-time status is answered as soon as the printer's buffer takes the query, i.e. after
        # it took the whole job; asked before our FIN so the printer can still reply.
        state = _ask_status(sock, status_timeout) if status_timeout is not None else None
        sock.settimeout(timeout)
        _finish(sock, where, len(data), timeout)
    finally:
        sock.close()
    if state is not None and not state.ready:
        raise PrinterNotReady(
            f"Printer at {where} took the job but reports: {', '.join(state.problems)}: "
            "check the printer and what came out",
            state,
        )
    return Delivery(asked=status_timeout is not None, state=state)


def _unacked_bytes(sock: socket.socket) -> int | None:
    """Bytes the peer has not acknowledged yet (Linux SIOCOUTQ); None where unknown."""
    try:
        import fcntl
        import struct
        import termios

        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        return int(struct.unpack("i", raw)[0])
    except (ImportError, OSError, AttributeError):
        return None


def _finish(sock: socket.socket, where: str, size: int, timeout: float) -> None:
    """Wait until the printer has the data: it closes the connection, or the kernel says all is acknowledged.

    Without this a printer that resets the connection right after the last send() would go
    unnoticed: the bytes were only in our own kernel's buffer. Printers normally close soon
    after our FIN; for one that keeps the connection open, the acknowledgement count decides
    after a short grace period (Linux), or nothing can be known (other systems: treated as sent).
    """
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError as error:
        raise PrinterDisconnected(f"Printer at {where} dropped the connection at the end of the job") from error
    start = time.monotonic()
    grace_end, deadline = start + min(timeout, _CLOSE_GRACE), start + timeout
    sock.settimeout(0.05)
    while True:
        try:
            if not sock.recv(256):  # printers may answer status bytes; EOF = closed cleanly
                return
        except TimeoutError:
            pass
        except OSError as error:
            raise PrinterDisconnected(
                f"Printer at {where} dropped the connection before taking all {size} bytes: the job did not finish"
            ) from error
        now = time.monotonic()
        if now < grace_end:
            continue
        unacked = _unacked_bytes(sock)
        if unacked == 0:
            return
        if now >= deadline:
            if unacked is None:
                return  # cannot tell on this system; everything was handed to the network
            raise PrinterTimeout(
                f"Printer at {where} did not take the last {unacked} bytes within {timeout:g} s: "
                "check paper, cover and errors on the printer"
            )


def _run_with_timeout(what: str, timeout: float, work) -> None:  # type: ignore[no-untyped-def]
    """Run blocking device I/O in a helper thread so a hung device cannot hang the caller.

    The helper thread stays blocked in the OS if the device never returns; it is a daemon and
    holds only the device handle.
    """
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            work()
            outcome.append(None)
        except BaseException as error:  # handed to the caller below
            outcome.append(error)

    thread = threading.Thread(target=target, name=f"print {what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise PrinterTimeout(f"Printer {what} did not take the job within {timeout:g} s: check it is on and ready")
    if outcome[0] is not None:
        raise outcome[0]


def _send_file(address: PrinterAddress, data: bytes, timeout: float) -> None:
    path = address.path

    def write() -> None:
        try:
            # Append: a file used as a spool must keep earlier jobs; a device ignores it.
            with open(path, "ab", buffering=0) as device:
                view = memoryview(data)
                while view:
                    written = device.write(view)
                    view = view[written or 0 :]
                if hasattr(os, "fsync") and os.path.isfile(path):
                    os.fsync(device.fileno())
        except FileNotFoundError as error:
            raise PrinterOffline(f"Printer {path} is not there: check it is plugged in and on") from error
        except PermissionError as error:
            raise PrinterConfigError(f"No permission to write to printer {path}") from error
        except OSError as error:
            raise PrinterDisconnected(f"Writing to printer {path} failed: {_reason(error)}") from error

    _run_with_timeout(path, timeout, write)


def _send_usb(address: PrinterAddress, data: bytes, timeout: float) -> None:
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Usb

    if not Usb.is_usable():
        raise PrinterConfigError("USB printing needs the pyusb package and libusb on this computer")
    printer = Usb(address.vendor_id, address.product_id, timeout=int(timeout * 1000))
    try:
        printer.open(raise_not_found=True)
    except DeviceNotFoundError as error:
        raise PrinterOffline(f"Printer {address} is not connected: check the USB cable and power") from error
    try:
        printer._raw(data)
    except Exception as error:  # pyusb raises USBError / USBTimeoutError
        if "timeout" in type(error).__name__.lower():
            raise PrinterTimeout(f"Printer {address} stopped taking data: check paper and cover") from error
        raise PrinterDisconnected(f"Printer {address} failed during the job: {error}") from error
    finally:
        printer.close()


def _send_serial(address: PrinterAddress, data: bytes, timeout: float) -> None:
    from escpos.printer import Serial

    if not Serial.is_usable():
        raise PrinterConfigError("Serial printing needs the pyserial package on this computer")
    from escpos.exceptions import DeviceNotFoundError

    def write() -> None:
        printer = Serial(devfile=address.path, baudrate=address.baudrate, timeout=timeout)
        try:
            printer.open(raise_not_found=True)
        except DeviceNotFoundError as error:
            raise PrinterOffline(f"Serial printer {address.path} cannot be opened: check the cable") from error
        try:
            printer._raw(data)
        except Exception as error:  # pyserial's SerialException / SerialTimeoutException
            raise PrinterDisconnected(f"Serial printer {address.path} failed during the job: {error}") from error
        finally:
            printer.close()

    _run_with_timeout(address.path, timeout, write)


def status(address: PrinterAddress | str, timeout: float = 1.0) -> PrinterStatus | None:
    """Ask a network printer for its state with DLE EOT 1, 2 and 4; None when it does not answer.

    Only TCP is queried: many network interfaces answer real-time status on port 9100, while
    USB and serial need a read path that differs by model.
    """
    if isinstance(address, str):
        address = parse_printer_uri(address)
    if address.kind != "tcp":
        return None
    try:
        sock = _connect(address, timeout)
    except PrinterError:
        return None
    try:
        return _ask_status(sock, timeout)
    finally:
        sock.close()


def _ask_status(sock: socket.socket, timeout: float) -> PrinterStatus | None:
    """Send DLE EOT 1/2/4 on an open connection and read the answer; None if none came in time."""
    try:
        sock.settimeout(0)
        while sock.recv(4096):  # bytes the printer sent during the job are not the answer
            pass
    except (TimeoutError, BlockingIOError):
        pass
    except OSError:
        return None
    reply = b""
    deadline = time.monotonic() + timeout
    try:
        sock.settimeout(timeout)
        sock.sendall(STATUS_QUERIES)
        while time.monotonic() < deadline:
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            chunk = sock.recv(64)
            if not chunk:
                break
            reply += chunk
            found = read_status(reply)
            if found is not None:
                return found
    except OSError:  # includes the timeout: no answer
        return None
    return None
