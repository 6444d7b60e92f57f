"""A small ESC/POS reader for tests: bytes back into lines, barcodes, cuts and drawer kicks.

Written from the Epson ESC/POS command reference, independently of the production code (and of
its preview), so a wrong byte in a layout fails a test instead of being read back the same way.
Unknown commands raise: a test must not pass over bytes it cannot explain.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Epson's ESC t numbering for the pages the tests use.
CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858", 39: "iso8859_2"}


@dataclass(frozen=True)
class Line:
    text: str
    bold: bool = False
    double_width: bool = False
    double_height: bool = False
    align: int = 0
    invert: bool = False


@dataclass(frozen=True)
class Barcode:
    system: int  # m of GS k
    data: bytes
    height: int
    module_width: int
    hri: int  # GS H n: 0 none, 1 above, 2 below, 3 both


@dataclass(frozen=True)
class Cut:
    partial: bool


@dataclass(frozen=True)
class DrawerKick:
    pin: int  # 2 or 5
    on_ms: int
    off_ms: int


@dataclass(frozen=True)
class StatusQuery:
    n: int  # DLE EOT n: 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor


@dataclass(frozen=True)
class Raster:
    width: int
    height: int


@dataclass
class Parsed:
    events: list[object] = field(default_factory=list)
    code_pages: list[int] = field(default_factory=list)
    resets: int = 0

    @property
    def lines(self) -> list[Line]:
        return [e for e in self.events if isinstance(e, Line)]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def words(self) -> str:
        """All text with line breaks and runs of spaces collapsed: for phrases that were wrapped."""
        return " ".join(self.text.split())

    @property
    def barcodes(self) -> list[Barcode]:
        return [e for e in self.events if isinstance(e, Barcode)]

    @property
    def cuts(self) -> list[Cut]:
        return [e for e in self.events if isinstance(e, Cut)]

    @property
    def status_queries(self) -> list[int]:
        return [e.n for e in self.events if isinstance(e, StatusQuery)]

    @property
    def kicks(self) -> list[DrawerKick]:
        return [e for e in self.events if isinstance(e, DrawerKick)]

    def index(self, needle: str) -> int:
        """Event index of the first line containing `needle`."""
        for i, event in enumerate(self.events):
            if isinstance(event, Line) and needle in event.text:
                return i
        raise AssertionError(f"{needle!r} not printed; text was:\n{self.text}")


def parse(data: bytes) -> Parsed:
    out = Parsed()
    bold = dw = dh = invert = False
    align = 0
    codec = "cp437"  # printer power-on default
    bc_height, bc_width, hri = 162, 3, 0
    buffer = bytearray()
    i = 0

    def need(k: int) -> bytes:
        if i + k > len(data):
            raise AssertionError(f"truncated command at byte {i}")
        return data[i : i + k]

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            out.events.append(Line(buffer.decode(codec), bold, dw, dh, align, invert))
            buffer.clear()
            i += 1
            continue
        if b >= 0x20 and b != 0x7F:
            buffer.append(b)
            i += 1
            continue
        if buffer:
            raise AssertionError(f"command at byte {i} in the middle of a line: {bytes(buffer)!r}")
        prefix, cmd = need(2)
        if prefix == 0x1B:
            if cmd == ord("@"):
                bold = dw = dh = invert = False
                align, codec = 0, "cp437"
                out.resets += 1
                i += 2
            elif cmd == ord("!"):
                n = need(3)[2]
                bold, dh, dw = bool(n & 0x08), bool(n & 0x10), bool(n & 0x20)
                i += 3
            elif cmd == ord("E"):
                bold = bool(need(3)[2] & 1)
                i += 3
            elif cmd == ord("a"):
                align = need(3)[2] % 48
                i += 3
            elif cmd == ord("t"):
                n = need(3)[2]
                out.code_pages.append(n)
                codec = CODE_PAGES[n]
                i += 3
            elif cmd == ord("d"):
                out.events.extend(Line("", bold, dw, dh, align, invert) for _ in range(need(3)[2]))
                i += 3
            elif cmd == ord("p"):
                m, t1, t2 = need(5)[2:5]
                out.events.append(DrawerKick(2 if m in (0, 48) else 5, t1 * 2, t2 * 2))
                i += 5
            else:
                raise AssertionError(f"unexpected ESC {chr(cmd)!r} at byte {i}")
        elif prefix == 0x1D:
            if cmd == ord("h"):
                bc_height = need(3)[2]
                i += 3
            elif cmd == ord("w"):
                bc_width = need(3)[2]
                i += 3
            elif cmd == ord("H"):
                hri = need(3)[2] % 48
                i += 3
            elif cmd == ord("f"):
                i += 3
            elif cmd == ord("B"):
                invert = bool(need(3)[2] & 1)
                i += 3
            elif cmd == ord("k"):
                m = need(3)[2]
                if m >= 65:
                    n = need(4)[3]
                    payload = need(4 + n)[4:]
                    i += 4 + n
                else:
                    end = data.index(0, i + 3)
                    payload = data[i + 3 : end]
                    i = end + 1
                out.events.append(Barcode(m, payload, bc_height, bc_width, hri))
            elif cmd == ord("v"):
                head = need(8)
                assert head[2] == ord("0"), "only GS v 0"
                width_bytes, height = head[4] + 256 * head[5], head[6] + 256 * head[7]
                i += 8 + width_bytes * height
                out.events.append(Raster(width_bytes * 8, height))
            elif cmd == ord("V"):
                m = need(3)[2]
                out.events.append(Cut(partial=m in (1, 49, 66)))
                i += 4 if m in (65, 66) else 3
            else:
                raise AssertionError(f"unexpected GS {chr(cmd)!r} at byte {i}")
        elif prefix == 0x10 and cmd == 0x04:  # DLE EOT n: real-time status request
            n = need(3)[2]
            assert n in (1, 2, 3, 4), f"DLE EOT {n} at byte {i}"
            out.events.append(StatusQuery(n))
            i += 3
        else:
            raise AssertionError(f"unexpected control byte 0x{b:02x} at byte {i}")
    if buffer:
        out.events.append(Line(buffer.decode(codec), bold, dw, dh, align, invert))
    return out
