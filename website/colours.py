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


# ColorBrewer's YlGnBu in k classes, k = 3 to 9: ordered steps that stay
# apart, one for each level of entry education.
YLGNBU_STEPS = {
    3: "edf8b1 7fcdbb 2c7fb8",
    4: "ffffcc a1dab4 41b6c4 225ea8",
    5: "ffffcc a1dab4 41b6c4 2c7fb8 253494",
    6: "ffffcc c7e9b4 7fcdbb 41b6c4 2c7fb8 253494",
    7: "ffffcc c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
    8: "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
    9: "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 253494 081d58",
}


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
