"""A picture of what the paper shows, drawn from the ESC/POS bytes of our own layouts.

Interprets the subset of ESC/POS the layouts emit (text, print modes, alignment, feeds, GS k
barcodes, GS v 0 raster images, cut, drawer kick). An unknown command raises PreviewError rather
than drawing something the printer would not print.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from barcode.charsets import code128 as _c128
from PIL import Image, ImageDraw, ImageFont

from .profiles import PrinterProfile, codec_for_code_page

__all__ = ["PreviewError", "render_preview", "preview_png", "code128b_modules", "barcode_image"]

_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
_FONT_FILES = {False: ("DejaVuSansMono.ttf", "consola.ttf"), True: ("DejaVuSansMono-Bold.ttf", "consolab.ttf")}
_STOP = "1100011101011"
_INK = (20, 20, 20)
_NOTE = (150, 150, 150)


class PreviewError(ValueError):
    """The bytes hold a command the preview does not know."""


def code128b_modules(data: str) -> str:
    """CODE128 code set B as a module string ("1" = bar), start to stop, no quiet zone."""
    values = [_c128.B[c] for c in data]
    check = (104 + sum(i * v for i, v in enumerate(values, 1))) % 103
    return "".join(_c128.CODES[v] for v in [104, *values, check]) + _STOP


@lru_cache(maxsize=8)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for folder in _FONT_DIRS:
        for name in _FONT_FILES[bold]:
            path = Path(folder) / name
            if path.exists():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def barcode_image(data: str, *, module: int = 2, height: int = 64, hri: bool = True, cell: int = 12) -> Image.Image:
    """A 1-bit image of a CODE128-B barcode with a 10-module quiet zone and the text below."""
    modules = "0" * 10 + code128b_modules(data) + "0" * 10
    text_h = cell * 2 if hri else 0
    img = Image.new("1", (len(modules) * module, height + text_h), 1)
    draw = ImageDraw.Draw(img)
    for i, bit in enumerate(modules):
        if bit == "1":
            draw.rectangle([i * module, 0, (i + 1) * module - 1, height - 1], fill=0)
    if hri:
        font = _font(False, int(cell / 0.6))
        width = draw.textlength(data, font=font)
        draw.text(((img.width - width) / 2, height + 2), data, font=font, fill=0)
    return img


@dataclass(frozen=True)
class _Style:
    bold: bool = False
    width: int = 1
    height: int = 1
    underline: bool = False
    invert: bool = False


@dataclass
class _State:
    codec: str
    style: _Style = field(default_factory=_Style)
    align: int = 0
    barcode_height: int = 162
    barcode_module: int = 3
    hri: int = 0


class _Paper:
    """Lines of styled characters placed on a growing strip of paper."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.width = profile.dots_per_line
        self.cell_w = self.width // profile.columns
        self.cell_h = self.cell_w * 2
        self.gap = self.cell_h // 4  # default line spacing is a bit taller than the font
        self.blocks: list[tuple[Image.Image, int]] = []  # (image, x)
        self.line: list[tuple[str, _Style]] = []

    def char(self, ch: str, style: _Style) -> None:
        self.line.append((ch, style))

    def newline(self, align: int) -> None:
        if not self.line:
            self.blocks.append((Image.new("RGB", (1, self.cell_h + self.gap), "white"), 0))
            return
        height = max(self.cell_h * s.height for _, s in self.line) + self.gap
        width = sum(self.cell_w * s.width for _, s in self.line)
        img = Image.new("RGB", (max(width, 1), height), "white")
        x = 0
        for ch, style in self.line:
            glyph = _glyph(ch, style, self.cell_w, self.cell_h)
            img.paste(glyph, (x, height - self.gap - glyph.height))
            x += glyph.width
        self.line = []
        self.image(img, align)

    def image(self, img: Image.Image, align: int) -> None:
        free = max(self.width - img.width, 0)
        self.blocks.append((img.convert("RGB"), (0, free // 2, free)[min(align, 2)]))

    def note(self, text: str, dashed: bool = False) -> None:
        img = Image.new("RGB", (self.width, self.cell_h), "white")
        draw = ImageDraw.Draw(img)
        if dashed:
            for x in range(0, self.width, 12):
                draw.line([x, self.cell_h // 2, x + 6, self.cell_h // 2], fill=_NOTE, width=2)
        font = _font(False, int(self.cell_w / 0.6 * 0.8))
        length = draw.textlength(text, font=font)
        draw.rectangle([(self.width - length) / 2 - 6, 0, (self.width + length) / 2 + 6, self.cell_h], fill="white")
        draw.text(((self.width - length) / 2, self.cell_h * 0.2), text, font=font, fill=_NOTE)
        self.blocks.append((img, 0))

    def picture(self, margin: int) -> Image.Image:
        total = sum(img.height for img, _ in self.blocks)
        out = Image.new("RGB", (self.width + 2 * margin, total + 2 * margin), "white")
        y = margin
        for img, x in self.blocks:
            out.paste(img, (margin + x, y))
            y += img.height
        ImageDraw.Draw(out).rectangle([0, 0, out.width - 1, out.height - 1], outline=(200, 200, 200))
        return out


@lru_cache(maxsize=4096)
def _glyph(ch: str, style: _Style, cell_w: int, cell_h: int) -> Image.Image:
    ink, paper = ("white", _INK) if style.invert else (_INK, "white")
    img = Image.new("RGB", (cell_w, cell_h), paper)
    draw = ImageDraw.Draw(img)
    font = _font(style.bold, int(cell_w / 0.6))
    draw.text((cell_w / 2, cell_h * 0.8), ch, font=font, fill=ink, anchor="ms")
    if style.underline:
        draw.line([0, cell_h - 2, cell_w, cell_h - 2], fill=ink, width=2)
    if style.width > 1 or style.height > 1:
        img = img.resize((cell_w * style.width, cell_h * style.height), Image.Resampling.BICUBIC)
    return img


def render_preview(data: bytes, profile: PrinterProfile, *, margin: int = 24, annotate: bool = True) -> Image.Image:
    """Draw the job; `annotate` adds grey notes for what is not ink (cut, drawer kick)."""
    paper = _Paper(profile)
    state = _State(codec=profile.codec)
    i = 0
    n = len(data)

    def arg(k: int) -> bytes:
        if i + k > n:
            raise PreviewError(f"command at byte {i} is cut short")
        return data[i : i + k]

    while i < n:
        b = data[i]
        if b == 0x0A:
            paper.newline(state.align)
            i += 1
        elif b == 0x0D:
            i += 1
        elif b == 0x1B:
            cmd = arg(2)[1:2]
            i += 2
            if cmd == b"@":
                state = _State(codec=profile.codec)
            elif cmd == b"!":
                m = arg(1)[0]
                i += 1
                state.style = replace(
                    state.style,
                    bold=bool(m & 8),
                    width=2 if m & 32 else 1,
                    height=2 if m & 16 else 1,
                    underline=bool(m & 128),
                )
            elif cmd in (b"E", b"-", b"a", b"t", b"M", b"d", b"J", b"3", b"{", b"r"):
                m = arg(1)[0]
                i += 1
                if cmd == b"E":
                    state.style = replace(state.style, bold=bool(m & 1))
                elif cmd == b"-":
                    state.style = replace(state.style, underline=m % 48 != 0)
                elif cmd == b"a":
                    state.align = m % 48
                elif cmd == b"t":
                    codec = codec_for_code_page(profile, m)
                    if codec is None:
                        raise PreviewError(f"code page {m} is not known for {profile.name}")
                    state.codec = codec
                elif cmd == b"d":
                    for _ in range(m):
                        paper.newline(state.align)
            elif cmd == b"2":
                pass
            elif cmd == b"p":
                arg(3)
                i += 3
                if annotate:
                    paper.note("[ cash drawer opens ]")
            else:
                raise PreviewError(f"unknown command ESC {cmd!r} at byte {i - 2}")
        elif b == 0x1D:
            cmd = arg(2)[1:2]
            i += 2
            if cmd in (b"h", b"w", b"H", b"f", b"B", b"!", b"b", b"|"):
                m = arg(1)[0]
                i += 1
                if cmd == b"h":
                    state.barcode_height = m
                elif cmd == b"w":
                    state.barcode_module = m
                elif cmd == b"H":
                    state.hri = m % 48
                elif cmd == b"B":
                    state.style = replace(state.style, invert=bool(m & 1))
                elif cmd == b"!":
                    state.style = replace(state.style, width=(m >> 4) + 1, height=(m & 15) + 1)
            elif cmd == b"k":
                i = _barcode(data, i, state, paper)
            elif cmd == b"v":
                i = _raster(data, i, state, paper)
            elif cmd == b"V":
                m = arg(1)[0]
                i += 2 if m in (65, 66) else 1
                if annotate:
                    paper.note("cut" if m in (1, 49, 66) else "full cut", dashed=True)
            else:
                raise PreviewError(f"unknown command GS {cmd!r} at byte {i - 2}")
        elif b == 0x10 and data[i + 1 : i + 2] == b"\x04":
            i += 3
        elif b < 0x20 or b == 0x7F:
            raise PreviewError(f"unexpected control byte 0x{b:02x} at byte {i}")
        else:
            end = i
            while end < n and data[end] >= 0x20 and data[end] != 0x7F:
                end += 1
            for ch in data[i:end].decode(state.codec, errors="replace"):
                paper.char(ch, state.style)
            i = end
    if paper.line:
        paper.newline(state.align)
    return paper.picture(margin)


def _barcode(data: bytes, i: int, state: _State, paper: _Paper) -> int:
    m = data[i]
    if m >= 65:
        length = data[i + 1]
        payload = data[i + 2 : i + 2 + length]
        end = i + 2 + length
    else:
        stop = data.index(b"\x00", i + 1)
        payload = data[i + 1 : stop]
        end = stop + 1
    text = payload.decode("ascii")
    if m == 73:
        if not text.startswith("{B"):
            raise PreviewError("only CODE128 code set B is drawn")
        text = text[2:].replace("{{", "{")
    elif m not in (4, 69):
        raise PreviewError(f"barcode type {m} is not drawn")
    # CODE39 is drawn as CODE128 of the same text: close enough for a preview of the layout.
    img = barcode_image(
        text, module=state.barcode_module, height=state.barcode_height, hri=state.hri in (2, 3), cell=paper.cell_w
    )
    paper.image(img, state.align)
    return end


def _raster(data: bytes, i: int, state: _State, paper: _Paper) -> int:
    if data[i : i + 1] != b"0":
        raise PreviewError("only GS v 0 raster images are drawn")
    width_bytes = data[i + 2] + 256 * data[i + 3]
    height = data[i + 4] + 256 * data[i + 5]
    start = i + 6
    bits = data[start : start + width_bytes * height]
    # GS v 0 rows are 1 = black; Pillow's "1" mode is 1 = white.
    img = Image.frombytes("1", (width_bytes * 8, height), bytes(255 - b for b in bits))
    paper.image(img, state.align)
    return start + width_bytes * height


def preview_png(data: bytes, profile: PrinterProfile, **options: object) -> bytes:
    """PNG bytes of render_preview (for docs and the app's preview pane)."""
    out = io.BytesIO()
    render_preview(data, profile, **options).save(out, "PNG")  # type: ignore[arg-type]
    return out.getvalue()
