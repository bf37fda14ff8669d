"""The one way a value keyed by SOC code reaches an OOH occupation: through
the SOC codes its page lists in ``projections``, weighted by their base-year
employment. ``python -m measures`` carries every published measure, the
O*NET tasks, titles and related occupations this way, and ``score import``
the scores of a file keyed by SOC code.

The rules (docs/methodology.md says them in words):

1. A SOC code on a page takes the source's value for that very code wherever
   the source has it, a broad code (31-1120) as much as a detailed one; else,
   for a code BLS's projections use for several SOC codes (25-9045), those
   codes through BLS's O*NET-SOC to NEM crosswalk (``nem``); else, for a
   broad or minor group (17-3010), the source's detailed codes under it.
   Of a page's codes, the most detailed ones the source reaches count: a
   code counts unless a code below it on the page is reached, so nothing is
   counted twice and a broad code stands in for its detailed rows only when
   the source reaches none of them.
2. Of the O*NET-SOC codes under one SOC code, the main code (.00) stands for
   it wherever the source has it; only where it has not do the detailed
   O*NET codes (.01, .02, ...) stand for it, together.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlite_utils

MAIN = ".00"  # the O*NET-SOC code that stands for its whole SOC code
JOINS = ("detailed", "nem", "broad")  # how a code was reached, narrowest first


@dataclass(frozen=True)
class Page:
    """An occupation's projections rows as the join reads them: (SOC code or
    None, level, base-year employment) in page order, and its total
    employment (its level-0 rows; None when one is unknown)."""

    rows: tuple[tuple[str | None, int, int | None], ...]
    total: int | None


@dataclass(frozen=True)
class Part:
    """One SOC code of a page that a source reaches: the code, its
    employment, the source's codes that stand for it, and how (JOINS)."""

    code: str
    employment: int | None
    codes: tuple[str, ...]
    join: str


@dataclass(frozen=True)
class Reached:
    """An occupation's value from its parts: the value, the source's codes
    used, the share of the page's employment they cover (None when unknown),
    the widest join taken, and whether any value was a partial match."""

    value: float
    codes: tuple[str, ...]
    share: float | None
    join: str
    partial: bool


def pages(db: sqlite_utils.Database) -> dict[str, Page]:
    """{slug: Page} from ``projections``."""
    rows: dict[str, list[tuple[str | None, int, int | None]]] = {}
    for slug, code, level, employment in db.execute(
        "select slug, soc_code, level, employment_base from projections order by slug, row"
    ):
        rows.setdefault(slug, []).append((code or None, level, employment))
    out = {}
    for slug, found in rows.items():
        totals = [employment for _, level, employment in found if level == 0]
        out[slug] = Page(tuple(found), sum(t for t in totals if t is not None) if totals and None not in totals else None)
    return out


def main_codes(codes: Iterable[str]) -> list[str]:
    """Rule 2: the main O*NET-SOC code (.00) of one SOC code where it is
    among ``codes``, else all of them."""
    every = sorted(codes)
    main = [c for c in every if c.endswith(MAIN)]
    return main or every


def detailed_codes(code: str, universe: Collection[str], nem: Mapping[str, Sequence[str]]) -> tuple[list[str], str | None]:
    """Rule 1 for one code: (codes in ``universe`` that stand for ``code``,
    how): the code itself wherever the source has it, a broad code included;
    else the SOC codes BLS's crosswalk gives for a matrix code; else, for a
    broad or minor group (17-3010, 39-2000), the detailed codes that share
    its digits up to its trailing zeros."""
    if code in universe:
        return [code], "detailed"
    found = [c for c in nem.get(code, ()) if c in universe]
    if found:
        return found, "nem"
    if code.endswith("0"):
        prefix = code.rstrip("0")
        return sorted(c for c in universe if c.startswith(prefix) and not c.endswith("0")), "broad"
    return [], None


def parts(page: Page, universe: Collection[str], nem: Mapping[str, Sequence[str]]) -> list[Part]:
    """Rule 1 for a page: each code the source reaches that has no reached
    code below it on the page."""
    reached: list[Part | None] = []
    for code, _, employment in page.rows:
        codes, how = detailed_codes(code, universe, nem) if code else ([], None)
        reached.append(Part(code, employment, tuple(codes), how) if code and codes and how else None)
    out = []
    for i, part in enumerate(reached):
        if part is None:
            continue
        level = page.rows[i][1]
        below = []
        for j in range(i + 1, len(page.rows)):
            if page.rows[j][1] <= level:
                break
            below.append(reached[j])
        if not any(below):
            out.append(part)
    return out


def reach(page: Page, values: Mapping[str, tuple[float, bool]], nem: Mapping[str, Sequence[str]]) -> Reached | None:
    """The occupation's value from ``values`` ({SOC code: (value, partial)}),
    its parts weighted by their base-year employment; None when no code is
    reached. Where a part's employment is unknown, every part counts the same."""
    found = parts(page, values, nem)
    if not found:
        return None
    means = [statistics.fmean(values[c][0] for c in p.codes) for p in found]
    weights = [p.employment for p in found if p.employment is not None]
    share: float | None
    if len(weights) < len(found) or not sum(weights):
        value = statistics.fmean(means)
        share = None
    else:
        value = sum(m * w for m, w in zip(means, weights)) / sum(weights)
        share = min(1.0, sum(weights) / page.total) if page.total else None
    return Reached(
        value,
        tuple(sorted({c for p in found for c in p.codes})),
        share,
        max((p.join for p in found), key=JOINS.index),
        any(values[c][1] for p in found for c in p.codes),
    )
