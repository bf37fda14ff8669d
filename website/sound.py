"""Values no occupation can have, set aside before anything is drawn.

data.db is read as it is, and it may have been changed by hand or by a tool
that knows nothing of what the figures mean. A value no occupation can have
(a job count of zero, of 10^308 or of text; a score off its criterion's
scale, infinite or not a number; a percentile outside 0 to 100; an address
that is not https) is left out of the site as if BLS or the scorer had given
none, and said in one line each. A criterion whose scale cannot be drawn is
left out whole. What the pages then show is only what could be true.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable
from typing import Any

from . import BuildError
from .model import Site

# The largest figure any occupation could have: the US has about 170 million jobs.
MAX_JOBS = 400_000_000
MAX_YEARLY_PAY = 10_000_000
MAX_HOURLY_PAY = 5_000.0
# What each occupation's figure may be: (lowest, highest, whole numbers only).
FIGURES: dict[str, tuple[float, float, bool]] = {
    "jobs": (1, MAX_JOBS, True),
    "projected_jobs": (0, MAX_JOBS, True),
    "employment_change": (-MAX_JOBS, MAX_JOBS, True),
    "openings": (0, MAX_JOBS, True),
    "median_pay_annual": (1, MAX_YEARLY_PAY, False),
    "median_pay_hourly": (0.01, MAX_HOURLY_PAY, False),
    "outlook_pct": (-100, 1000, True),
    "pay_p10_annual": (1, MAX_YEARLY_PAY, False),
    "pay_p90_annual": (1, MAX_YEARLY_PAY, False),
    "pay_p10_hourly": (0.01, MAX_HOURLY_PAY, False),
    "pay_p90_hourly": (0.01, MAX_HOURLY_PAY, False),
}


def number_in(value: object, low: float, high: float, whole: bool = False) -> bool:
    """A real number (not a bool, not text) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if not math.isfinite(value) or not low <= value <= high:
        return False
    return not whole or float(value).is_integer()


def listed(slugs: list[str]) -> str:
    return ", ".join(slugs[:5]) + (f" and {len(slugs) - 5} more" if len(slugs) > 5 else "")


def scale_problem(low: object, high: object, tiers: object) -> str | None:
    """Why a criterion's scale (``low`` to ``high``, with ``tiers``) cannot be drawn, or None."""
    if not (isinstance(low, int) and isinstance(high, int)) or isinstance(low, bool) or isinstance(high, bool) or low >= high:
        return f"its scale runs from {low!r} to {high!r}"
    if not isinstance(tiers, list) or not tiers:
        return "it has no tiers"
    for tier in tiers:
        if not (
            isinstance(tier, dict)
            and isinstance(tier.get("name"), str)
            and number_in(tier.get("min"), low, high, whole=True)
            and number_in(tier.get("max"), low, high, whole=True)
        ):
            return f"a tier is not a name with a range on its scale: {tier!r}"
    return None


# The furthest a point of the labor space or a measure's own value may be
# from 0: the stages write the space within 0 to 1 and measures within a few
# units; anything near the limits of a float is no figure but a tampering.
MAX_COORDINATE = 1e6
MAX_MEASURE = 1e12
# Characters no text shows: the C0 controls but tab and line breaks, and DEL.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What ``plain`` counts, in words.
CLEANED = {
    "bytes": "pieces of binary data read as text",
    "controls": "pieces of text with control characters (taken out)",
    "infinite": "numbers that are infinite or not a number",
}


def plain(value: object, found: dict[str, int]) -> object:
    """``value`` as a page can show it: a BLOB as the text it holds (U+FFFD
    where it is not UTF-8), text without control characters (a NUL), a
    number that is infinite or not a number as none. ``found`` counts each
    kind set aside."""
    if isinstance(value, bytes):
        found["bytes"] = found.get("bytes", 0) + 1
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        cleaned = CONTROLS.sub("", value)
        if cleaned != value:
            found["controls"] = found.get("controls", 0) + 1
        return cleaned
    if isinstance(value, float) and not math.isfinite(value):
        found["infinite"] = found.get("infinite", 0) + 1
        return None
    return value


def plain_rows(found: dict[str, int]) -> Callable[[sqlite3.Cursor, tuple[Any, ...]], sqlite3.Row]:
    """A row factory that makes every value read ``plain``, before anything
    is built from it (the site reads no BLOB on purpose)."""

    def factory(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> sqlite3.Row:
        return sqlite3.Row(cursor, tuple(plain(v, found) for v in row))

    return factory


def set_aside(site: Site, left_out: list[str], cleaned: dict[str, int]) -> list[str]:
    """Clean ``site`` (as ``load`` reads it) in place; return one line for
    each kind of value set aside, after ``left_out``'s criteria, whose scale
    ``load`` could not draw (``scale_problem``), and what ``plain`` took out
    as it was read (``cleaned``). Raises BuildError for what cannot be set
    aside: an occupation's slug twice, or an occupation without a title."""
    said = []
    seen: set[str] = set()
    for o in site.occupations:
        if o.slug in seen:
            raise BuildError(
                f"the occupation {o.slug} is in the database twice (its table has lost its primary key): scrape into a new database"
            )
        seen.add(o.slug)
        if not isinstance(o.title, str) or not o.title.strip():
            raise BuildError(f"the occupation {o.slug} has no title in the database: scrape it again")
    said += [f"set aside {count} {CLEANED[kind]}" for kind, count in sorted(cleaned.items())]
    if site.space:
        layout = site.space.layout
        bad = sorted(s for s, xy in layout.items() if not all(number_in(v, -MAX_COORDINATE, MAX_COORDINATE) for v in xy))
        for slug in bad:
            del layout[slug]
        if bad:
            said.append(f"set aside the place in the labor space of {listed(bad)}: not a point that can be drawn")
    for column, (low, high, whole) in FIGURES.items():
        bad = [
            o.slug
            for o in site.occupations
            if getattr(o, column) is not None and not number_in(getattr(o, column), low, high, whole)
        ]
        for o in site.occupations:
            if o.slug in bad:
                setattr(o, column, None)
        if bad:
            said.append(f"set aside {column} of {listed(bad)}: not a figure an occupation can have")
    bad = [o.slug for o in site.occupations if o.url is not None and not str(o.url).startswith("https://")]
    for o in site.occupations:
        if o.slug in bad:
            o.url = None
    if bad:
        said.append(f"set aside the address of {listed(bad)}: not an https:// address")
    said += left_out
    for c in site.criteria:
        bad = [s for s, row in c.scores.items() if not number_in(row.score, c.min, c.max)]
        for slug in bad:
            del c.scores[slug]
            c.percentiles.pop(slug, None)
        if bad:
            said.append(f"set aside {len(bad)} {c.name} scores off its scale of {c.min} to {c.max}: {listed(bad)}")
        bad = [s for s, p in c.percentiles.items() if not number_in(p, 0, 100)]
        for slug in bad:
            del c.percentiles[slug]
        if bad:
            said.append(f"set aside {len(bad)} {c.name} percentiles outside 0 to 100: {listed(bad)}")
    evidence = site.evidence
    if evidence:
        for m in evidence.measures:
            bad = [s for s, v in m.values.items() if not number_in(v.percentile, 0, 100)]
            for slug in bad:
                del m.values[slug]
            if bad:
                said.append(
                    f"set aside {len(bad)} values of the measure {m.name} with no percentile from 0 to 100: {listed(bad)}"
                )
            bad = [s for s, v in m.values.items() if not number_in(v.value, -MAX_MEASURE, MAX_MEASURE)]
            for slug in bad:
                del m.values[slug]
            if bad:
                said.append(f"set aside {len(bad)} values of the measure {m.name} that are no figure: {listed(bad)}")
        bad = [
            s
            for s, c in evidence.consensus.items()
            if not all(number_in(getattr(c, k), 0, 100) for k in ("low", "median", "high", "spread"))
        ]
        for slug in bad:
            del evidence.consensus[slug]
        if bad:
            said.append(f"set aside the published measures' summary of {listed(bad)}: not percentiles from 0 to 100")
    return said
