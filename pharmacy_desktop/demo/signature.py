"""Signatures for the demo's pickups: a PNG like the signature pad's (600x200, 8-bit grey, ink on white).

The demo runs without a display, so it cannot draw on the pad (ui/widgets/signature_pad.py, Qt);
this writes the same kind of image with zlib alone. The stroke is a cursive-looking curve derived
from the signer's name, so each pickup's signature differs and the demo stays deterministic.
"""

from __future__ import annotations

import hashlib
import math
import struct
import zlib

WIDTH, HEIGHT = 600, 200
_INK, _PAPER = 24, 255


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _stroke(name: str) -> list[tuple[float, float]]:
    """Points of one pen stroke left to right: loops whose height and spacing come from the name."""
    digest = hashlib.sha256(name.encode()).digest()
    points = []
    x, step = 40.0, 0.6
    for i in range(760):
        byte = digest[(i // 40) % len(digest)]
        height = 28 + byte % 34  # letters of different heights
        phase = i / (6.5 + (byte % 5))
        points.append((x + 14 * math.sin(phase * 2.1), 110 - height * math.sin(phase) * math.cos(phase / 3.7)))
        x += step
    return points


def signature_png(name: str) -> bytes:
    """A PNG of ``name``'s demo signature (ink pixels 3 px wide along the stroke)."""
    rows = [bytearray([_PAPER] * WIDTH) for _ in range(HEIGHT)]
    stroke = _stroke(name)
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
        steps = max(1, math.ceil(max(abs(x1 - x0), abs(y1 - y0))))  # a continuous line, as a pen leaves
        for k in range(steps + 1):
            cx, cy = round(x0 + (x1 - x0) * k / steps), round(y0 + (y1 - y0) * k / steps)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    px, py = cx + dx, cy + dy
                    if 0 <= px < WIDTH and 0 <= py < HEIGHT:
                        rows[py][px] = _INK
    raw = b"".join(b"\x00" + bytes(row) for row in rows)  # filter type 0 per scanline
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    )
