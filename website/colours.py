"""Every colour the site draws with, written once: the ramps the map and
the previews blend, the education steps, and the agreement heat map."""

from __future__ import annotations

# Each scheme the criteria may name, sampled at 11 even stops from d3-scale-chromatic
# (ColorBrewer and matplotlib's palettes). The site blends between these stops
# (index.html carries the ones it uses) and so does the preview, so both match.
RAMPS = {
    "viridis": "440154 482475 414487 355f8d 2a788e 21918c 22a884 44bf70 7ad151 bddf26 fde725",
    "cividis": "002051 0a326a 2b446e 4d566d 696970 7f7c75 948f78 ada476 caba6a ead156 fdea45",
    "magma": "000004 140e36 3b0f70 641a80 8c2981 b73779 de4968 f7705c fe9f6d fecf92 fcfdbf",
    "inferno": "000004 160b39 420a68 6a176e 932667 bc3754 dd513a f37819 fca50a f6d746 fcffa4",
    "plasma": "0d0887 41049d 6a00a8 8f0da4 b12a90 cc4778 e16462 f2844b fca636 fcce25 f0f921",
    "blues": "f7fbff e3eef9 cfe1f2 b5d4e9 93c3df 6daed5 4b97c9 2f7ebc 1864aa 0a4a90 08306b",
    "greens": "f7fcf5 e8f6e3 d3eecd b7e2b1 97d494 73c378 4daf62 2f984f 157f3b 036429 00441b",
    "oranges": "fff5eb fee8d3 fdd8b3 fdc28c fda762 fb8d3d f2701d e25609 c44103 9f3303 7f2704",
    "purples": "fcfbfd f1eff6 e2e1ef cecee5 b6b5d8 9e9bc9 8782bc 7363ac 61409b 501f8c 3f007d",
    "reds": "fff5f0 fee3d6 fdc9b4 fcaa8e fc8a6b f9694c ef4533 d92723 bb151a 970b13 67000d",
    "ylorrd": "ffffcc fff0a9 fee087 fec965 feab4b fd893c fa5c2e ec3023 d31121 af0225 800026",
    "ylgnbu": "ffffd9 eff9bd d5eeb3 a9ddb7 73c9bd 45b4c2 2897bf 2073b2 234ea0 1c3185 081d58",
    # ColorBrewer's diverging PuOr, purple to orange, for the outlook (growth purple).
    "puor": "2d004b 542788 8073ac b2abd2 d8daeb f7f7f7 fee0b6 fdb863 e08214 b35806 7f3b08",
}


def blend(stops: str, t: float) -> str:
    """The colour at ``t`` (0 to 1) along a ramp of even stops ("rrggbb ..."), blended in RGB as the pages do."""
    colours = stops.split()
    at = min(max(t, 0.0), 1.0) * (len(colours) - 1)
    i = min(int(at), len(colours) - 2)
    a, b = (tuple(int(c[k : k + 2], 16) for k in (0, 2, 4)) for c in (colours[i], colours[i + 1]))
    return "".join(f"{round(x + (y - x) * (at - i)):02x}" for x, y in zip(a, b, strict=True))


def lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* of an "rrggbb" colour (D65): how far apart two colours look."""
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (int(colour[k : k + 2], 16) / 255 for k in (0, 2, 4))
    ]
    r, g, b = linear
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def apart(a: str, b: str) -> float:
    """How different two colours look (CIE76 ΔE; about 2 is just noticeable, 15 plainly different)."""
    return float(sum((x - y) ** 2 for x, y in zip(lab(a), lab(b), strict=True)) ** 0.5)


def even_steps(k: int, stops: str = RAMPS["ylgnbu"]) -> list[str]:
    """k ordered steps along a ramp, evenly spaced in lightness, so that no two
    neighbours look alike: one for each level of entry education. (ColorBrewer's
    own YlGnBu classes put its two palest yellows, and two middle blues, too
    close to tell apart on a small tile.)"""
    samples = [blend(stops, i / 1000) for i in range(1001)]
    light = [lab(c)[0] for c in samples]
    if k == 1:
        return [samples[500]]
    targets = [light[0] + (light[-1] - light[0]) * j / (k - 1) for j in range(k)]
    return [samples[min(range(1001), key=lambda i: abs(light[i] - target))] for target in targets]


# A sequential blue ramp for the agreement heat map (ColorBrewer Blues).
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")


HEAT_FLOOR = 0.3  # correlations at or below this share the palest blue


def luminance(colour: str) -> float:
    """WCAG's relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two #rrggbb colours, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


INK = "#1d1d1f"


def text_on(background: str) -> str:
    """White or ink, whichever reads better on ``background``."""
    return "#ffffff" if contrast(background, "#ffffff") > contrast(background, INK) else INK
