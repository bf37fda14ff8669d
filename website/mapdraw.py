"""The home page's first view, drawn at build time."""

from __future__ import annotations

import decimal
import math
import re

from .colours import RAMPS, ramp_colour

# The box the map is laid out in, wide on a computer and tall on a phone (its
# size in a 1280 x 800 window and on a 390 px phone). treemap.js lays the map
# out in it and stretches the result to the window; prerender_map lays out
# the same box here, so the map the page arrives with is the map it draws.
MAP_SHAPES = {"wide": [1248, 640], "tall": [358, 465]}


GOLDEN = (1 + math.sqrt(5)) / 2


def squarify(values, x0, y0, x1, y1):
    """Rectangles (x0, y0, x1, y1) for ``values`` (largest first, all above
    zero) filling the box in rows as near square as the golden ratio allows.
    This is the rule of d3.treemapSquarify, worked in the same order with the
    same arithmetic, so that build.py and the page place every tile alike."""
    rects = []
    left = sum(values)
    i = 0
    while i < len(values):
        dx, dy = x1 - x0, y1 - y0
        shape = max(dy / dx, dx / dy) if dx and dy else math.inf
        alpha = shape / (left * GOLDEN)
        row, smallest, largest = values[i], values[i], values[i]
        beta = row * row * alpha
        worst = max(largest / beta, beta / smallest)
        j = i + 1
        # A row takes the next value for as long as that keeps its worst
        # tile no further from square.
        while j < len(values):
            value = values[j]
            smallest, largest = min(smallest, value), max(largest, value)
            beta = (row + value) * (row + value) * alpha
            ratio = max(largest / beta, beta / smallest)
            if ratio > worst:
                break
            row, worst = row + value, ratio
            j += 1
        if dx < dy:  # a row across the top of what is left
            edge = y0 + dy * row / left if dy else y1
            k, at = (x1 - x0) / row, x0
            for value in values[i:j]:
                rects.append((at, y0, at + value * k, edge))
                at += value * k
            y0 = edge
        else:  # a column down its left side
            edge = x0 + dx * row / left if dx else x1
            k, at = (y1 - y0) / row, y0
            for value in values[i:j]:
                rects.append((x0, at, edge, at + value * k))
                at += value * k
            x0 = edge
        left -= row
        i = j
    return rects


def home_rows(home):
    """home_data's compact rows as dictionaries, one per occupation on the map."""
    return [dict(zip(home["fields"], row)) for row in home["occupations"]]


def map_layout(home, width, height):
    """The home page's map by job counts in a width x height box, as
    treemap.js lays it out: groups largest first, each with its occupations
    largest first (ties keep the data's order), as [(name, rect, [(row, rect)])]."""
    rows = home_rows(home)
    groups = [(name, [o for o in rows if o["category"] == i]) for i, name in enumerate(home["categories"])]
    totals = {name: sum(o["jobs"] for o in members) for name, members in groups}
    groups = sorted(((name, members) for name, members in groups if members), key=lambda g: -totals[g[0]])
    out = []
    for (name, members), rect in zip(groups, squarify([totals[name] for name, _ in groups], 0, 0, width, height)):
        members = [o for o in sorted(members, key=lambda o: -o["jobs"]) if o["jobs"] > 0]
        out.append((name, rect, list(zip(members, squarify([o["jobs"] for o in members], *rect)))))
    return out


def js_number(value):
    """A number as JavaScript's String() writes it, for the numbers on the map."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def js_grouped(text):
    """Thousands separators in the whole part, as treemap.js puts them."""
    return re.sub(r"^-?\d+", lambda m: f"{int(m.group()):,}", text)


def one_decimal(value):
    """``value`` to one decimal as JavaScript's toFixed(1) rounds it (a half goes up), with separators."""
    return js_grouped(str(decimal.Decimal(value).quantize(decimal.Decimal("0.1"), decimal.ROUND_HALF_UP)))


def billions(value):
    if value >= 1e12:
        return "$" + one_decimal(value / 1e12) + " trn"
    return "$" + js_grouped(js_number(math.floor(value / 1e9 + 0.5))) + " bn"


def group_name_lines(name, room):
    """How many lines (one to three) a group's name takes over its group,
    ``room`` px wide, wrapped at words as the browser wraps it. Widths are a
    guess at 11 px semi-bold system type, a letter's class at a time: the page's
    script measures the real font when it draws the map again."""

    def width(text):
        return sum(
            3.6 if ch in " ,'.ijlIJ" else 5.1 if ch in "frt-" else 10.6 if ch in "mwMW" else 8.4 if ch.isupper() else 7.1
            for ch in text
        )

    lines, line = 1, ""
    for word in name.split(" "):
        if line and width(line + " " + word) > room:
            lines, line = lines + 1, word
        else:
            line = line + " " + word if line else word
    return min(lines, 3)


def prerender_map(home):
    """The home page's first view (area jobs, colour the first criterion) for
    the page to arrive with, drawn as treemap.js draws it in the wide box:
    tiles with their colours, names and values, group names, the legend and
    the sentence above the map. Places are percentages of the box, so the map
    stretches with the window as the script's does. Group names are fitted by
    an estimate of their width (no fonts here); the script fits them exactly
    when it draws the map again, once it is on screen. None when there is no
    criterion: the script then draws the first view itself."""
    if not home["criteria"]:
        return None
    c = home["criteria"][0]
    width, height = MAP_SHAPES["wide"]
    label_height, line = 17, 14
    scheme = c["colors"] if c["colors"] in RAMPS else "viridis"

    def colour(score):
        if score is None:
            return "#d9d9d9"
        return "#" + ramp_colour(scheme, (score - c["min"]) / (c["max"] - c["min"])).hex()

    def dark(hex_colour):
        # As treemap.js decides it: HSL lightness, the mean of the largest and smallest channel.
        rgb = bytes.fromhex(hex_colour[1:])
        return (max(rgb) + min(rgb)) / 510 < 0.55

    def inset(a, b):
        # Half a pixel to the line between two tiles, a whole one at the group's edge.
        return 1 if abs(a - b) < 1e-6 else 0.5

    def place(x0, y0, x1, y1=None, tall=None):
        across = f"left:{100 * x0 / width:.2f}%;top:{100 * y0 / height:.2f}%;width:{100 * (x1 - x0) / width:.2f}%"
        return across + (f";height:{tall}px" if tall is not None else f";height:{100 * (y1 - y0) / height:.2f}%")

    groups = []
    for name, (gx0, gy0, gx1, gy1), leaves in map_layout(home, width, height):
        lines = group_name_lines(name, gx1 - gx0 - 7)
        group = {
            "name": name,
            "id": "group-" + re.sub(r"\W+", "-", name, flags=re.ASCII),
            "style": place(gx0 + 0.5, gy0 + 0.5, gx1 - 0.5, tall=label_height * lines),
            "tiles": [],
        }
        for o, (x0, y0, x1, y1) in leaves:
            x0, x1 = x0 + inset(x0, gx0), x1 - inset(x1, gx1)
            under = label_height * lines if y0 == gy0 else 0
            y0, y1 = y0 + inset(y0, gy0), y1 - inset(y1, gy1)
            w, h = x1 - x0, y1 - y0 - under
            score = o["scores"][0]
            fill = colour(score)
            with_value = w >= 34 and h >= 2 * line + 2
            brief = "—" if score is None else js_grouped(js_number(math.floor(score * 1000 + 0.5) / 1000))
            group["tiles"].append(
                {
                    "slug": o["slug"],
                    "title": o["title"],
                    "class": "tile" + (" tiny" if w < 8 or h < 8 else "") + (" dark" if dark(fill) else ""),
                    "style": place(x0, y0, x1, y1) + f";background:{fill}",
                    "under": under,
                    "lines": max(1, int((h - 2) // line) - (1 if with_value else 0)) if w >= 34 and h >= line + 2 else None,
                    "value": brief if with_value else None,
                }
            )
        groups.append(group)

    rows = home_rows(home)
    total = sum(o["jobs"] for o in rows)
    tier = c["tiers"][len(c["tiers"]) // 2]
    high = [o for o in rows if o["scores"][0] is not None and o["scores"][0] >= tier["min"]]
    headline = (
        f"Occupations scoring {js_number(tier['min'])} or more on {c['title']} (“{tier['name']}” and up) hold "
        f"{one_decimal(100 * sum(o['jobs'] for o in high) / total)}% of jobs and "
        f"{billions(sum(o['pay'] * o['jobs'] for o in high if o['pay']))} a year in wages."
    )

    def position(v):
        return min(max((v - c["min"]) / (c["max"] - c["min"]), 0.0), 1.0)

    stops = [colour(c["min"] + (c["max"] - c["min"]) * k / 10) for k in range(11)]
    marks = []
    for k in range(6):
        v = math.floor(c["min"] + (c["max"] - c["min"]) * k / 5 + 0.5)
        if v not in marks:
            marks.append(v)
    ticks = []
    for v in marks:
        at = 100 * position(v)
        ticks.append(
            {
                "label": js_number(v),
                "style": f"left:{js_number(at)}%;transform:translateX({-100 if at > 95 else 0 if at < 5 else -50}%)",
            }
        )
    legend = {
        "title": f"{c['title']} ({c['unit']})",
        "ramp": "background:linear-gradient(to right, " + ",".join(stops) + ")",
        "ticks": ticks,
    }
    return {"groups": groups, "headline": headline, "legend": legend}
