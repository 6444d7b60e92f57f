"""Which printer prints what on this workstation: plain, frozen, handed in by the composition root.

Nothing in the print services reads the workstation file: the caller builds `PrinterSettings`
(`printer_settings_from(config)`) once, outside any transaction, and passes it down. The sender
takes a function returning the current settings, so a change saved in Settings (Alt+S) applies to
the jobs still waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pharmacy_desktop.config import Config

__all__ = ["ROLES", "ROLE_TITLES", "Printer", "PrinterSettings", "PrinterSource", "printer_settings_from", "current"]

ROLES = ("label", "receipt", "report")
ROLE_TITLES = {"label": "Label printer", "receipt": "Receipt printer", "report": "Report printer"}


@dataclass(frozen=True)
class Printer:
    uri: str
    profile: str = "default"  # python-escpos printer model


@dataclass(frozen=True)
class PrinterSettings:
    printers: Mapping[str, Printer] = field(default_factory=lambda: MappingProxyType({}))

    def printer(self, role: str) -> Printer | None:
        """The printer set up for `role`, None when there is none."""
        return self.printers.get(role)

    def printer_for(self, role: str) -> tuple[str | None, str]:
        """(URI or None, profile name) for `role`."""
        printer = self.printer(role)
        return (printer.uri, printer.profile) if printer is not None else (None, "default")


PrinterSource = PrinterSettings | Callable[[], PrinterSettings]


def current(source: PrinterSource) -> PrinterSettings:
    return source() if callable(source) else source


def printer_settings_from(config: Config) -> PrinterSettings:
    """The printers of a workstation configuration (roles without an address are left out)."""
    printers = {}
    for role, printer in config.printers.items():
        if printer is not None and printer.uri:
            printers[role] = Printer(printer.uri, printer.profile or "default")
    return PrinterSettings(MappingProxyType(printers))
