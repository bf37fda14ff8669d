"""The link preview: the map as the page first shows it, as a PNG drawn
without a browser from the tiles ``predraw`` placed."""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

PREVIEW_SIZE = (1200, 630)  # what link previews show at full width
GROUP_EDGE = bytes.fromhex("1d1d1f")  # shows between groups, as the page's group borders do


def rgb(colour: str) -> bytes:
    """A CSS colour as the page's script writes it (rgb(r, g, b) or #rrggbb) -> 3 bytes."""
    if colour.startswith("#") and len(colour) == 7:
        return bytes.fromhex(colour[1:])
    found = [int(v) for v in re.findall(r"\d+", colour)[:3]]
    if len(found) != 3 or any(v > 255 for v in found):
        return bytes.fromhex("d9d9d9")
    return bytes(found)


def preview_png(tiles: list[list[Any]]) -> bytes:
    """The first view's tiles ([left %, top %, width %, height %, colour,
    group id]) stretched to 1200 x 630: a PNG, byte for byte the same for
    the same tiles."""
    width, height = PREVIEW_SIZE
    pixels = bytearray(b"\xff" * width * height * 3)

    def fill(x0: float, y0: float, x1: float, y1: float, colour: bytes) -> None:
        x0, x1 = max(0, round(x0)), min(width, round(x1))
        for row in range(max(0, round(y0)), min(height, round(y1))):
            start = (row * width + x0) * 3
            pixels[start : start + (x1 - x0) * 3] = colour * (x1 - x0)

    # A tile the script placed nowhere (a sliver of no width) is not drawn.
    tiles = [tile for tile in tiles if all(isinstance(v, (int, float)) for v in tile[:4])]
    boxes = [(left * width / 100, top * height / 100, w * width / 100, h * height / 100) for left, top, w, h, *_ in tiles]
    groups: dict[str, list[float]] = {}
    for (x, y, w, h), tile in zip(boxes, tiles):
        box = groups.setdefault(tile[5] or "", [x, y, x + w, y + h])
        box[:] = [min(box[0], x), min(box[1], y), max(box[2], x + w), max(box[3], y + h)]
    for x0, y0, x1, y1 in groups.values():
        fill(x0 - 1, y0 - 1, x1 + 1, y1 + 1, GROUP_EDGE)
    for (x, y, w, h), tile in zip(boxes, tiles):
        fill(x, y, x + w, y + h, rgb(tile[4]))
    rows = b"".join(b"\x00" + bytes(pixels[r * width * 3 : (r + 1) * width * 3]) for r in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
