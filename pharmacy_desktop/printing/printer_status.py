"""What an ESC/POS printer says about itself: DLE EOT real-time status replies and ASB blocks.

No sockets here: the transport sends `STATUS_QUERIES` and feeds whatever comes back to
`read_status`. Bit meanings are from Epson's ESC/POS reference:

- DLE EOT 1 (printer status): bit 3 offline.
- DLE EOT 2 (offline cause): bit 2 cover open, bit 5 printing stopped by paper end, bit 6 error.
- DLE EOT 4 (roll paper sensor): bits 2-3 near end, bits 5-6 paper end.
  Every DLE EOT reply has bits 1 and 4 set and bits 0 and 7 clear.
- ASB (automatic status back, 4 bytes, sent by a printer that has it enabled): first byte has
  bit 4 set and bits 0, 1, 7 clear; bit 3 offline, bit 5 cover open; second byte bits 2, 3, 5
  errors (cutter, unrecoverable, auto-recoverable); third byte bits 0-1 near end, 2-3 paper end.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PrinterStatus", "STATUS_QUERIES", "read_status", "answers_status"]

# DLE EOT 1, 2 and 4: asked in this order, answered one byte each in this order.
STATUS_QUERIES = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"

# Makers whose ESC/POS printers document DLE EOT 1/2/4 (escpos-printer-db "vendor"). Generic and
# clone profiles are left out on purpose: a printer that ignores the query would cost a wait on
# every job and still prove nothing, so their jobs are "sent, not confirmed".
_ANSWERING_VENDORS = frozenset({"Epson", "Citizen", "Seiko", "Wincor Nixdorf"})


def answers_status(vendor: str | None) -> bool:
    """Does a printer of this maker answer DLE EOT real-time status queries?"""
    return (vendor or "") in _ANSWERING_VENDORS


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    cover_open: bool
    paper_out: bool
    paper_low: bool
    error: bool

    @property
    def ready(self) -> bool:
        """Nothing stops or threatens printing (a low roll counts: the next label may be cut short)."""
        return not self.problems

    @property
    def problems(self) -> list[str]:
        """What is wrong, as short phrases for "the printer reports: ..."."""
        found = []
        if self.paper_out:
            found.append("out of paper")
        elif self.paper_low:
            found.append("paper nearly out")
        if self.cover_open:
            found.append("cover open")
        if self.error:
            found.append("an error (paper jam or cutter)")
        if not self.online and not (self.paper_out or self.cover_open or self.error):
            found.append("offline")
        return found


def _dle_eot_reply(byte: int) -> bool:
    return byte & 0x93 == 0x12


def _asb_header(byte: int) -> bool:
    return byte & 0x93 == 0x10


def _from_dle_eot(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    return PrinterStatus(
        online=not printer & 0x08,
        cover_open=bool(offline_cause & 0x04),
        paper_out=bool(paper & 0x60) or bool(offline_cause & 0x20),
        paper_low=bool(paper & 0x0C),
        error=bool(offline_cause & 0x40),
    )


def _from_asb(block: bytes) -> PrinterStatus:
    first, second, third = block[0], block[1], block[2]
    return PrinterStatus(
        online=not first & 0x08,
        cover_open=bool(first & 0x20),
        paper_out=bool(third & 0x0C),
        paper_low=bool(third & 0x03),
        error=bool(second & 0x2C),
    )


def read_status(data: bytes) -> PrinterStatus | None:
    """The status in bytes a printer sent after `STATUS_QUERIES`; None until a whole answer is there.

    Three DLE EOT replies (1, 2, 4 in order) are an answer; so is a 4-byte ASB block, which a
    printer with automatic status back may send on its own. Other bytes are skipped.
    """
    replies: list[int] = []
    latest: PrinterStatus | None = None
    i = 0
    while i < len(data):
        byte = data[i]
        if _asb_header(byte):
            if i + 4 > len(data):
                break
            latest = _from_asb(data[i : i + 4])
            i += 4
            continue
        if _dle_eot_reply(byte):
            replies.append(byte)
            if len(replies) == 3:
                latest = _from_dle_eot(*replies)
                replies.clear()
        i += 1
    return latest
