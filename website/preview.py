"""Link previews, drawn without a browser (Pillow, with the font it ships):
the home page's is the map as the page first shows it, with the sentence
above the map; each occupation's gives its title, its score and who made it,
where published research places it, and where it sits on the map. Both are
drawn from the tiles ``predraw`` placed, so they show the page's own map.
The same data gives the same bytes."""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont, features

from . import BuildError
from .predraw import Tile

PREVIEW_SIZE = (1200, 630)  # what link previews show at full width
GROUP_EDGE = (29, 29, 31)  # shows between groups, as the page's group borders do
INK, MUTED, PANEL = (29, 29, 31), (95, 99, 104), (246, 246, 244)
HIGHLIGHT = (255, 191, 0)  # the focus ring's yellow: where the occupation sits


def rgb(colour: str) -> tuple[int, int, int]:
    """A CSS colour as the page's script writes it (rgb(r, g, b) or #rrggbb)."""
    if re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))
    found = [int(v) for v in re.findall(r"\d+", colour)[:3]]
    if len(found) != 3 or any(v > 255 for v in found):
        return (217, 217, 217)
    return (found[0], found[1], found[2])


def need_freetype() -> None:
    """Raise BuildError unless Pillow can letter the previews (its FreeType
    module, which a Pillow built from source may lack)."""
    if not features.check_module("freetype2"):
        raise BuildError(
            "Pillow was installed without FreeType, which the link previews' lettering needs: "
            "install Pillow from its wheel (pip install --force-reinstall pillow)"
        )


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow unpacks its font anew on each call: once a size is enough.
    return ImageFont.load_default(size=size)


class Placed(NamedTuple):
    """A tile the script placed: its box in percent of the map, colour, group and occupation."""

    left: float
    top: float
    width: float
    height: float
    colour: str
    group: str
    slug: str | None


def placed(tiles: list[Tile]) -> list[Placed]:
    """The tiles the script placed somewhere (a sliver of no width is not drawn)."""
    found = []
    for tile in tiles:
        box = [v for v in tile[:4] if isinstance(v, (int, float))]
        if len(box) == 4:
            left, top, width, height = box
            slug = tile[6] if len(tile) > 6 else None
            found.append(Placed(left, top, width, height, str(tile[4]), str(tile[5]), None if slug is None else str(slug)))
    return found


def draw_map(draw: ImageDraw.ImageDraw, tiles: list[Placed], box: tuple[int, int, int, int]) -> None:
    """The map's tiles ([left %, top %, width %, height %, colour, group id,
    slug]) stretched into ``box``."""
    x, y, width, height = box
    scaled = [
        (x + left * width / 100, y + top * height / 100, w * width / 100, h * height / 100) for left, top, w, h, *_ in tiles
    ]
    groups: dict[str, list[float]] = {}
    for (tx, ty, w, h), tile in zip(scaled, tiles):
        edge = groups.setdefault(tile.group, [tx, ty, tx + w, ty + h])
        edge[:] = [min(edge[0], tx), min(edge[1], ty), max(edge[2], tx + w), max(edge[3], ty + h)]
    for x0, y0, x1, y1 in groups.values():
        draw.rectangle((round(x0) - 1, round(y0) - 1, round(x1), round(y1)), fill=GROUP_EDGE)
    for (tx, ty, w, h), tile in zip(scaled, tiles):
        if w >= 1 and h >= 1:
            draw.rectangle((round(tx), round(ty), round(tx + w) - 1, round(ty + h) - 1), fill=rgb(tile.colour))


def png(image: Image.Image, palette: Image.Image | None = None) -> bytes:
    """As a PNG of at most 128 colours: the picture is flat colour and
    lettering, so this loses nothing a reader sees and keeps it small. With
    ``palette`` (an image in P mode) its colours are used, which is many
    times quicker than choosing them afresh."""
    out = io.BytesIO()
    if palette is None:
        few = image.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    else:
        few = image.quantize(palette=palette, dither=Image.Dither.NONE)
    few.save(out, format="PNG", compress_level=3)
    return out.getvalue()


# A character no font has: what the font draws for one it lacks (a box).
NO_GLYPH = "\U0010fffd"


@functools.cache
def has_glyph(character: str) -> bool:
    """Whether the font draws ``character`` as itself, not as its box for a character it lacks."""
    face = font(40)
    drawn, missing = face.getmask(character), face.getmask(NO_GLYPH)
    return not (drawn.size == missing.size and bytes(drawn) == bytes(missing))


@functools.cache
def drawable_character(character: str) -> str:
    """``character`` as the font can draw it: a space for any space or line
    break; nothing for a control, format (a zero-width space, a change of
    direction) or combining mark, or a character it lacks and that has no
    plainer form (an emoji); a hyphen for a dash it lacks; its plainer form
    otherwise (é as e)."""
    kind = unicodedata.category(character)
    if kind[0] == "Z" or character in "\t\n\r":
        return " "
    if kind[0] in "CM":
        return ""
    if has_glyph(character):
        return character
    if kind == "Pd":  # a dash the font lacks (an en or em dash)
        return "-"
    plainer = unicodedata.normalize("NFKD", character)
    return "" if plainer == character else "".join(drawable_character(c) for c in plainer)


def drawable(text: str) -> str:
    """``text`` with only what the font draws (see drawable_character)."""
    return "".join(drawable_character(c) for c in text)


def longest_fitting(
    draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int, end: str = ""
) -> int:
    """How many characters of ``text``, followed by ``end``, fit in ``width``
    (at least one when there is no ``end``, so that every line takes
    something): by halving, not one character at a time."""
    low, high = 0 if end else 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if draw.textlength(text[:middle] + end, font=face) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: int, lines: int) -> list[str]:
    """``text`` in lines no wider than ``width`` at ``size``, at most
    ``lines`` of them, the last ending in an ellipsis when it is cut; a word
    wider than a line is cut into pieces that fit. Only what the font draws
    is kept (``drawable``). Time grows with the lines drawn, not with the
    text: no glyph is narrower than a pixel, so no more than ``width``
    characters fit on a line, and the rest of a long text is never measured."""
    face, out, line = font(size), [], ""
    words = drawable(text[: (lines + 1) * (width + 1) * 2]).split()
    for word in words:
        while word:
            trial = f"{line} {word}" if line else word
            if len(trial) <= width and draw.textlength(trial, font=face) <= width:
                line, word = trial, ""
            elif line:
                out.append(line)
                line = ""
            else:  # a word wider than a whole line: the part that fits, then the rest
                cut = longest_fitting(draw, word[: width + 1], face, width)
                out.append(word[:cut])
                word = word[cut:]
            if len(out) > lines:
                break
        if len(out) > lines:
            break
    out.append(line)
    out = [kept for kept in out if kept] or [""]
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        if draw.textlength(last + "…", font=face) > width:
            words = last.split(" ")
            # The most whole words that fit with the ellipsis; part of the first if not even it does.
            count = next(
                (n for n in range(len(words) - 1, 0, -1) if draw.textlength(" ".join(words[:n]) + "…", font=face) <= width), 0
            )
            last = " ".join(words[:count]) if count else last[: longest_fitting(draw, last, face, width, "…")]
        out[-1] = last + "…"
    return out


def home_preview(tiles: list[Tile], headline: str, lede: str) -> bytes:
    """The map as the page first shows it, with its sentence beneath."""
    width, height = PREVIEW_SIZE
    image = Image.new("RGB", PREVIEW_SIZE, "white")
    draw = ImageDraw.Draw(image)
    band = 128
    draw_map(draw, placed(tiles), (0, 0, width, height - band))
    draw.rectangle((0, height - band, width, height), fill=PANEL)
    y = height - band + 14
    for line in wrap(draw, headline, 32, width - 64, 2):
        draw.text((32, y), line, font=font(32), fill=INK)
        y += 40
    draw.text((32, height - 34), lede, font=font(22), fill=MUTED)
    return png(image)


MAP_BOX = (700, 120, 452, 300)  # where an occupation's preview shows the map: x, y, width, height


SmallMap = tuple[Image.Image, dict[str, tuple[float, float, float, float]], Image.Image]


def small_map(tiles: list[Tile]) -> SmallMap:
    """The map at the size an occupation's preview shows it, drawn once;
    where each occupation's tile is on it; and the colours every
    occupation's preview is written in (the map's, and the lettering's on
    white and the ring's)."""
    x, y, width, height = MAP_BOX
    image = Image.new("RGB", (width + 2, height + 2), "white")
    kept = placed(tiles)
    draw_map(ImageDraw.Draw(image), kept, (1, 1, width, height))
    sample = Image.new("RGB", (width + 2, height + 2 + 60), "white")
    sample.paste(image, (0, 0))
    lettering = ImageDraw.Draw(sample)
    for i, colour in enumerate((INK, MUTED, HIGHLIGHT)):
        lettering.text((10 + 150 * i, height + 10), "Ag8", font=font(40), fill=colour)
    palette = sample.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    spots = {
        t.slug: (
            x + 1 + t.left * width / 100,
            y + 1 + t.top * height / 100,
            x + 1 + (t.left + t.width) * width / 100,
            y + 1 + (t.top + t.height) * height / 100,
        )
        for t in kept
        if t.slug is not None
    }
    return image, spots, palette


def occupation_preview(
    drawn_map: SmallMap,
    slug: str,
    title: str,
    lines: list[tuple[str, int, tuple[int, int, int]]],
    note: str,
) -> bytes:
    """One occupation's preview: its title and ``lines`` (text, size, colour)
    on the left, the map (``small_map``) on the right with its tile ringed,
    ``note`` under it."""
    image = Image.new("RGB", PREVIEW_SIZE, "white")
    draw = ImageDraw.Draw(image)
    left = 56
    y = 48
    draw.text((left, y), "worklens", font=font(24), fill=MUTED)
    y += 44
    size = 54 if len(title) <= 40 else 44
    for line in wrap(draw, title, size, 600, 3):
        draw.text((left, y), line, font=font(size), fill=INK)
        y += size + 10
    y += 18
    for text, size, colour in lines:
        for line in wrap(draw, text, size, 600, 2):
            draw.text((left, y), line, font=font(size), fill=colour)
            y += size + 10
        y += 8
    box = MAP_BOX
    picture, spots, palette = drawn_map
    image.paste(picture, (box[0] - 1, box[1] - 1))
    spot = spots.get(slug)
    if spot:
        x0, y0, x1, y1 = spot
        # Thick enough to see at a feed's size (about 500 px wide, under half the image's).
        draw.rectangle((round(x0) - 8, round(y0) - 8, round(x1) + 7, round(y1) + 7), outline=HIGHLIGHT, width=8)
        draw.rectangle((round(x0) - 11, round(y0) - 11, round(x1) + 10, round(y1) + 10), outline=INK, width=3)
    # At 26 px, as the smallest line beside it: 11 px at a feed's size.
    for i, line in enumerate(wrap(draw, note, 26, box[2], 3)):
        draw.text((box[0], box[1] + box[3] + 14 + 32 * i), line, font=font(26), fill=MUTED)
    return png(image, palette)
