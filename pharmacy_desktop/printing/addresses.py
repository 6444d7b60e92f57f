"""Where a printer is (its URI, parsed and checked) and what can go wrong sending to it.

Every failure is a PrinterError subclass whose message can be shown to the user as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pharmacy_desktop.printing.printer_status import PrinterStatus

__all__ = [
    "PrinterAddress",
    "PrinterError",
    "PrinterConfigError",
    "PrinterOffline",
    "PrinterTimeout",
    "PrinterDisconnected",
    "PrinterNotReady",
    "Delivery",
    "parse_printer_uri",
    "DEFAULT_TCP_PORT",
]

DEFAULT_TCP_PORT = 9100


class PrinterError(Exception):
    """A print job could not be delivered. `str(error)` is a message for the user."""


class PrinterConfigError(PrinterError):
    """The printer address is malformed or names a transport this computer cannot use."""


class PrinterOffline(PrinterError):
    """Nothing answered at the printer's address."""


class PrinterTimeout(PrinterError):
    """The printer accepted the job but stopped taking data."""


class PrinterDisconnected(PrinterError):
    """The printer dropped the connection in the middle of the job."""


class PrinterNotReady(PrinterError):
    """The printer took the job but reports it cannot print it (paper, cover, offline, error).

    The bytes may sit in the printer's buffer and print once the problem is fixed, so the job
    must not be sent again by itself: a person checks what came out.
    """

    def __init__(self, message: str, state: PrinterStatus) -> None:
        super().__init__(message)
        self.state = state


@dataclass(frozen=True)
class Delivery:
    """What is known after `send` returned: `state` is the printer's answer, None when there was none."""

    asked: bool  # the printer was asked for its status after the job
    state: PrinterStatus | None = None

    @property
    def confirmed(self) -> bool:
        return self.state is not None and self.state.ready


Kind = Literal["tcp", "file", "usb", "serial"]


@dataclass(frozen=True)
class PrinterAddress:
    kind: Kind
    host: str = ""
    port: int = DEFAULT_TCP_PORT
    path: str = ""
    vendor_id: int = 0
    product_id: int = 0
    baudrate: int = 9600

    @property
    def uri(self) -> str:
        """Canonical URI: what the queue and the workstation settings store."""
        if self.kind == "tcp":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"tcp://{host}:{self.port}"
        if self.kind == "file":
            return f"file:{self.path}"
        if self.kind == "usb":
            return f"usb:{self.vendor_id:04x}:{self.product_id:04x}"
        return f"serial:{self.path}?baudrate={self.baudrate}"

    def __str__(self) -> str:
        if self.kind == "tcp":
            return f"{self.host}:{self.port}"
        if self.kind == "usb":
            return f"USB {self.vendor_id:04x}:{self.product_id:04x}"
        return self.path


def parse_printer_uri(uri: str) -> PrinterAddress:
    """`tcp://host[:port]`, `file:/path`, `usb:VID:PID` (hex), `serial:/dev/ttyS0[?baudrate=N]`."""
    text = uri.strip()
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    if not sep or not rest:
        raise PrinterConfigError(f"Printer address {uri!r} needs a type, e.g. tcp://10.0.0.5:9100")
    if scheme == "tcp":
        parts = urlsplit(text)
        try:
            port = parts.port or DEFAULT_TCP_PORT
        except ValueError:
            raise PrinterConfigError(f"Printer address {uri!r} has an invalid port") from None
        if not parts.hostname or parts.path not in ("", "/"):
            raise PrinterConfigError(f"Printer address {uri!r} should look like tcp://10.0.0.5:9100")
        return PrinterAddress("tcp", host=parts.hostname, port=port)
    if scheme == "file":
        path = unquote(rest[2:] if rest.startswith("//") else rest)
        if not path:
            raise PrinterConfigError(f"Printer address {uri!r} has no path")
        return PrinterAddress("file", path=path)
    if scheme == "usb":
        ids = rest.split(":")
        try:
            vendor, product = (int(i, 16) for i in ids)
        except ValueError:
            raise PrinterConfigError(
                f"USB printer {uri!r} should look like usb:04b8:0202 (hex vendor:product)"
            ) from None
        if not (0 < vendor <= 0xFFFF and 0 < product <= 0xFFFF):
            raise PrinterConfigError(f"USB printer {uri!r}: vendor and product ids are 4 hex digits")
        return PrinterAddress("usb", vendor_id=vendor, product_id=product)
    if scheme == "serial":
        path, _, query = rest.partition("?")
        options = parse_qs(query)
        unknown = set(options) - {"baudrate"}
        if not path or unknown:
            raise PrinterConfigError(f"Serial printer {uri!r} should look like serial:/dev/ttyS0?baudrate=9600")
        try:
            baudrate = int(options.get("baudrate", ["9600"])[0])
        except ValueError:
            raise PrinterConfigError(f"Serial printer {uri!r} has an invalid baud rate") from None
        return PrinterAddress("serial", path=path, baudrate=baudrate)
    raise PrinterConfigError(f"Unknown printer type {scheme!r} in {uri!r}: use tcp, file, usb or serial")
