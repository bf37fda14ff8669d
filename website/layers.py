"""The catalogue of the map's layers: the one writer of each.

A layer is what colours the map: its name (which names the figure it reads) and words, its
scale (kind and domain), colours, legend marks, histogram bins, the colour
of a missing figure and its units. The home page's buttons and selects,
the map's script (``site_templates/js/``: map, legend, tooltip, stats, the score-against-pay chart),
the previews and the downloads all read it; adding a layer is one entry in
``BLS_LAYERS`` (or a criterion or measure in data.db).

Three kinds of layer: the Handbook's own figures (``BLS_LAYERS``), one per
criterion with a current run, and one per published measure with, after
them, how far the measures disagree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from . import BuildError
from .colours import RAMPS, even_steps
from .model import Criterion, Measure, Occupation, Site

MISSING = "#d9d9d9"  # the colour of a tile with no figure on the layer shown
VARIES = "#b3a58f"  # a neutral outside the education steps, for "no one typical path"

# Entry-level education, from least to most, as BLS words it.
NO_ONE_PATH = "See How to Become One"  # BLS's entry for occupations with no one typical path
NO_ONE_PATH_WORDS = "varies (no one typical path: see How to Become One)"  # and the site's words for it
BACHELOR = "Bachelor's degree"
EDUCATION = (
    "No formal educational credential",
    "High school diploma or equivalent",
    "Some college, no degree",
    "Postsecondary nondegree award",
    "Associate's degree",
    BACHELOR,
    "Master's degree",
    "Doctoral or professional degree",
    NO_ONE_PATH,
)

# Groups of layers, in the order the select lists them, with the select's heading.
GROUPS = {
    "bls": "From BLS",
    "criteria": "Scored by language models",
    "measures": "Published measures of AI exposure",
}

# How the page says a layer's figure: "{}" in ``text`` and ``brief`` is the
# figure said as ``say`` says it (site_templates/js/layers.mjs holds these few ways).
SAYINGS = ("number", "signed", "ordinal", "category", "raw")

Bin = tuple[float | None, float | None, str]  # [from, below, label]; None is open-ended


@dataclass(frozen=True)
class Layer:
    id: str  # and the name of the figure it reads: a field of the home page's rows, or of data/details.json
    group: str  # a key of GROUPS
    title: str  # the stats panel's heading, and how the sentence above the map names it
    short: str  # the button's name, and how the tooltip and the charts name it
    unit: str
    scale: str  # "linear", "log" or "categorical"
    domain: tuple[float, float]
    scheme: str | None = None  # a ramp of colours.RAMPS, blended across the domain
    reverse: bool = False  # the ramp runs from its last colour to its first
    colours: tuple[str, ...] = ()  # a categorical layer's colour for each category
    categories: tuple[str, ...] = ()  # and its name for each
    marks: tuple[tuple[float, str], ...] = ()  # the legend's labelled marks
    bins: tuple[Bin, ...] = ()  # the stats panel's histogram
    say: str = "number"  # one of SAYINGS
    text: str = "{}"  # the figure in full
    brief: str | None = None  # the figure on a tile, where it fits; ``text`` if None
    missing: str = "—"  # the tooltip's words where it has no figure
    detail: str | None = None  # a field of the home page's rows the tooltip adds in brackets
    button: bool = False  # a button of its own beside the select
    tip: str = "always"  # a row in the tooltip: "always", "shown" (only while it colours the map) or "never"
    row: str = ""  # where tip is "never", the tooltip's own row that gives its figure ("pay", "measures"), first while it colours
    axis: tuple[float, float, float] | None = None  # up the side of the score-against-pay chart: from, to, step
    histogram: str = ""  # what the histogram is "by"
    choice: str | None = None  # its name in the selects, where it is not ``short``
    legend: str | None = None  # the legend's heading, where "title (unit)" would not fit a phone's line
    late: bool = False  # its figures come with data/details.json, after the first drawing
    # A figure worked out from the occupation (the home page's rows and the downloads carry it), or None
    # where the field is one the page has anyway.
    value: Callable[[Occupation], float | None] | None = None
    column: str | None = None  # its column in the downloads, added where the downloads lack it

    def page(self) -> dict[str, object]:
        """The entry as the page reads it, in the home page's data: what it
        leaves out (an empty list, no, none) the page reads as none. JSON has
        no infinity: an open end of a bin is None."""
        # value and column are the downloads', button the page template's: the map's script reads none of them.
        entry = {
            k: v for k, v in self.__dict__.items() if v not in (None, False, (), "") and k not in ("value", "column", "button")
        }
        entry["legend"] = self.legend_title()
        return entry

    def legend_title(self) -> str:
        """The legend's heading: the layer and its unit, short enough for one line on a phone."""
        return self.legend or (f"{self.title} ({self.unit})" if self.unit else self.title)


def round_half_up(value: float) -> int:
    """As the page's script rounds (Math.round), so both say the same marks."""
    return math.floor(value + 0.5)


def bls_layers(site: Site) -> list[Layer]:
    """The Handbook's own figures."""
    first, last = site.edition.base_year, site.edition.projection_year
    education = education_levels(site)
    steps = even_steps(max(1, len([e for e in education if e != NO_ONE_PATH])))
    return [
        Layer(
            id="outlook",
            group="bls",
            title="Job outlook",
            short="Outlook",
            unit=f"projected change in jobs, {first}–{last}",
            legend=f"Job outlook (change in jobs, {first}–{last})",
            scale="linear",
            domain=(-15, 15),
            # Purple for growth, orange for decline (d3's PuOr runs the other way):
            # a diverging scheme that stays readable with colour blindness.
            scheme="puor",
            reverse=True,
            marks=((-15, "≤ −15%"), (-5, "−5%"), (0, "0"), (5, "+5%"), (15, "≥ +15%")),
            bins=(
                (None, -5, "< −5%"),
                (-5, 0, "−5 to 0"),
                (0, 3, "0 to 2"),
                (3, 5, "3 to 4"),
                (5, 10, "5 to 9"),
                (10, None, "≥ 10%"),
            ),
            say="signed",
            text="{}%",
            detail="outlook_desc",
            button=True,
            histogram="job outlook",
            column="outlook_pct",
        ),
        Layer(
            id="pay",
            group="bls",
            title="Median pay",
            short="Pay",
            unit="yearly, log scale",
            scale="log",
            domain=(25000, 250000),
            scheme="viridis",
            marks=((25000, "≤ $25k"), (50000, "$50k"), (100000, "$100k"), (250000, "≥ $250k")),
            bins=(
                (0, 35000, "<35k"),
                (35000, 50000, "35–50k"),
                (50000, 75000, "50–75k"),
                (75000, 100000, "75–100k"),
                (100000, 150000, "100–150k"),
                (150000, None, "≥150k"),
            ),
            text="${}",
            button=True,
            # The tooltip says median pay its own way: at least a top-coded amount, or by the hour.
            tip="never",
            row="pay",
            histogram="median pay",
            column="median_pay_annual",
        ),
        Layer(
            id="education",
            group="bls",
            title="Entry-level education",
            short="Education",
            unit="",
            scale="categorical",
            domain=(0, max(0, len(education) - 1)),
            # Ordinal steps that stay apart (YlGnBu, evenly spaced in lightness, one step a level); "varies" is a neutral outside the ramp.
            colours=tuple(VARIES if e == NO_ONE_PATH else "#" + steps[min(i, len(steps) - 1)] for i, e in enumerate(education)),
            categories=tuple("Varies (see its page)" if e == NO_ONE_PATH else e for e in education),
            say="category",
            button=True,
            column="entry_education",
        ),
    ]


def education_levels(site: Site) -> list[str]:
    """BLS's levels of entry education that some occupation has, least first."""
    return [e for e in EDUCATION if any(o.entry_education == e for o in site.occupations)]


# Layers of the Handbook's figures beyond the three above: each entry adds one
# to the map, its legend, tooltip, selects and downloads.
BLS_LAYERS: list[Callable[[Site], Layer]] = []


def score_of(criterion: Criterion, o: Occupation) -> float | None:
    score = criterion.scores.get(o.slug)
    return score.score if score else None


def percentile_of(measure: Measure, o: Occupation) -> int | None:
    found = measure.values.get(o.slug)
    return round_half_up(found.percentile) if found else None


def apart(site: Site, o: Occupation) -> int | None:
    """How many percentile points apart the published measures place ``o``, as the tooltip's range says it."""
    consensus = site.evidence.consensus.get(o.slug) if site.evidence else None
    return round_half_up(consensus.high) - round_half_up(consensus.low) if consensus else None


def citation(authors: str, year: int) -> str:
    """ "Felten et al., 2021", or both names of two authors; what an author
    list says in brackets (the lab) is left out."""
    names = re.split(r",\s*|\s+and\s+", re.sub(r"\s*\(.*?\)", "", authors).strip())
    return f"{names[0] if len(names) == 1 else ' and '.join(names) if len(names) == 2 else names[0] + ' et al.'}, {year}"


def unit_after(title: str, unit: str) -> str:
    """A unit as said after its layer's title, without the title's words again:
    "AI exposure" and "AI exposure score, 0-10" -> "score, 0-10"."""
    if unit.lower().startswith(title.lower()):
        return unit[len(title) :].strip(" ,;:") or unit
    return unit


def catalogue(site: Site) -> list[Layer]:
    """Every layer of the map, in the order the page offers them. A criterion
    naming a colour scheme the site does not have is refused."""
    layers = bls_layers(site) + [make(site) for make in BLS_LAYERS]
    for c in site.criteria:
        if c.colors not in RAMPS:
            raise BuildError(
                f"the criterion {c.name} names the colour scheme {c.colors!r}, which the site does not have: "
                f"use one of {', '.join(sorted(RAMPS))}"
            )
        layers.append(
            Layer(
                id=c.name,
                group="criteria",
                title=c.title,
                short=c.title,
                unit=unit_after(c.title, c.unit),
                scale="linear",
                domain=(c.min, c.max),
                scheme=c.colors,
                marks=tuple((v, str(v)) for v in dict.fromkeys(round_half_up(c.min + (c.max - c.min) * k / 5) for k in range(6))),
                bins=tuple((t, t + 1, str(t)) for t in range(c.min, c.max + 1)),
                text=f"{{}} of {c.max}",
                brief="{}",
                missing="not scored",
                button=True,
                axis=(c.min, c.max, max(1, round_half_up((c.max - c.min) / 5))),
                histogram=f"{c.title} score",
                value=partial(score_of, c),
                column=c.name,
            )
        )
    measures = site.evidence.measures if site.evidence else []
    # Published measures share the first criterion's colours, so a measure and our score look alike where they agree.
    shared = site.criteria[0].colors if site.criteria else "viridis"
    for m in measures:
        layers.append(
            Layer(
                id=m.name,
                group="measures",
                title=f"{m.title} ({citation(m.authors, m.year)})",
                short=m.short,
                choice=f"{m.short} ({citation(m.authors, m.year)})",
                unit=f"percentile among the {m.occupations} occupations it reaches",
                # Who published it is said by the select and the stats panel beside it.
                legend=f"{m.short} percentile ({m.occupations} occupations)",
                scale="linear",
                domain=(0, 100),
                scheme=shared,
                marks=((0, "0th"), (25, "25th"), (50, "50th"), (75, "75th"), (100, "100th")),
                bins=tuple((k * 10, None if k == 9 else k * 10 + 10, f"{k * 10}s") for k in range(10)),
                say="ordinal",
                text="{} percentile",
                brief="{}",
                missing="not reached",
                tip="shown",
                axis=(0, 100, 25),
                histogram=f"{m.short} percentile",
                late=True,
                value=partial(percentile_of, m),
            )
        )
    if measures:
        layers.append(
            Layer(
                id="disagreement",
                group="measures",
                title="How far apart the published measures place each occupation",
                short="Disagreement",
                choice="How far the measures disagree",
                unit="percentile points",
                legend="Measures' disagreement (percentile points)",
                scale="linear",
                domain=(0, 80),
                scheme="oranges",
                marks=((0, "0"), (40, "40"), (80, "80+")),
                bins=((0, 20, "<20"), (20, 40, "20–39"), (40, 60, "40–59"), (60, 80, "60–79"), (80, None, "80+")),
                say="raw",
                text="{} percentile points apart",
                brief="{} pts",
                # The published measures' range says how far apart they are.
                tip="never",
                row="measures",
                axis=(0, 100, 25),
                histogram="points apart",
                late=True,
                value=partial(apart, site),
            )
        )
    for i, layer in enumerate(layers):
        # One name, one figure: the page finds a layer, and a layer its figure, by name.
        if any(other.id == layer.id for other in layers[:i]) or layer.id in RESERVED:
            raise BuildError(
                f"two layers of the map, or a layer and a figure of every occupation, are called {layer.id!r}: rename one"
            )
        if layer.scale != "categorical" and layer.scheme not in RAMPS:
            raise BuildError(f"the layer {layer.id} names the colour scheme {layer.scheme!r}, which the site does not have")
    return layers


# The figures of the home page's rows that are not a layer's: a layer reads one of these or its own.
CORE_FIELDS = (
    "slug",
    "title",
    "category",
    "jobs",
    "pay",
    "hourly",
    "outlook",
    "outlook_desc",
    "openings",
    "topcoded",
    "education",
)


# What else the page's script names an occupation's figures by: no layer may be called so.
RESERVED = {*CORE_FIELDS, "consensus", "xy", "categoryName"} - {"outlook", "pay", "education"}


def row_fields(layers: list[Layer]) -> list[str]:
    """The fields the home page's rows carry beyond CORE_FIELDS: each
    criterion's score and each figure a layer works out, named by the layer."""
    return [layer.id for layer in layers if layer.id not in CORE_FIELDS and not layer.late]
