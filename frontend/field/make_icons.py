"""Draw the field app's icons (PNG, no imaging library needed) and its SVG twin.

Run from the repository root: `python3 frontend/field/make_icons.py`. The output is committed
in massline/static/field/icons/; the drawing is deterministic.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "massline" / "static" / "field" / "icons"
RED = (155, 28, 28)
CREAM = (251, 248, 243)


def _pixel(x: float, y: float) -> tuple[int, int, int]:
    """A ring of people around a centre (the masses) on red: in units of the icon's width."""
    dx, dy = x - 0.5, y - 0.5
    r = (dx * dx + dy * dy) ** 0.5
    if r < 0.12:
        return CREAM
    for k in range(8):
        angle = 2 * math.pi * k / 8
        cx, cy = 0.5 + 0.27 * math.cos(angle), 0.5 + 0.27 * math.sin(angle)
        if (x - cx) ** 2 + (y - cy) ** 2 < 0.06**2:
            return CREAM
    return RED


def png(size: int) -> bytes:
    rows = b"".join(
        b"\x00" + bytes(c for x in range(size) for c in _pixel((x + 0.5) / size, (y + 0.5) / size))
        for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def svg() -> str:
    dots = "".join(
        f'<circle cx="{50 + 27 * math.cos(2 * math.pi * k / 8):.2f}" '
        f'cy="{50 + 27 * math.sin(2 * math.pi * k / 8):.2f}" r="6"/>'
        for k in range(8)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        '<rect width="100" height="100" fill="#9b1c1c"/>'
        f'<g fill="#fbf8f3"><circle cx="50" cy="50" r="12"/>{dots}</g></svg>\n'
    )


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(png(size))
    (OUT / "icon.svg").write_text(svg())
