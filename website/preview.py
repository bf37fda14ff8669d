"""The link preview: the map as a PNG, drawn without a browser."""

from __future__ import annotations

import math
import struct
import zlib

from .colours import ramp_colour
from .mapdraw import map_layout

PREVIEW_SIZE = (1200, 630)  # what link previews show at full width


def preview_png(home):
    """The treemap as the site first draws it (area jobs, colour the first
    criterion's score, or pay), laid out as the page lays it out, for link
    previews: a PNG, byte for byte the same for the same data."""
    width, height = PREVIEW_SIZE
    pixels = bytearray(b"\xff" * width * height * 3)

    def fill(x0, y0, x1, y1, colour):
        x0, x1 = max(0, round(x0)), min(width, round(x1))
        for row in range(max(0, round(y0)), min(height, round(y1))):
            start = (row * width + x0) * 3
            pixels[start : start + (x1 - x0) * 3] = colour * (x1 - x0)

    criterion = home["criteria"][0] if home["criteria"] else None

    def colour(o):
        if criterion:
            score = o["scores"][0]
            if score is None:
                return bytes.fromhex("d9d9d9")
            return ramp_colour(criterion["colors"], (score - criterion["min"]) / (criterion["max"] - criterion["min"]))
        return bytes.fromhex("d9d9d9") if o["pay"] is None else ramp_colour("viridis", math.log(o["pay"] / 25000) / math.log(10))

    def inset(a, b):
        # A thick line of the group's colour at its edge, a thin one between tiles.
        return 2 if abs(a - b) < 1e-6 else 0.5

    for _, (gx0, gy0, gx1, gy1), leaves in map_layout(home, width, height):
        fill(gx0, gy0, gx1, gy1, bytes.fromhex("1d1d1f"))  # the group's border shows between its tiles and the next group
        for o, (x0, y0, x1, y1) in leaves:
            fill(x0 + inset(x0, gx0), y0 + inset(y0, gy0), x1 - inset(x1, gx1), y1 - inset(y1, gy1), colour(o))
    rows = b"".join(b"\x00" + bytes(pixels[r * width * 3 : (r + 1) * width * 3]) for r in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
