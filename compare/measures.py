"""How every published measure and every criterion's current scores agree:
Spearman's rank correlation of each pair over the occupations both reach,
plain and weighted by jobs, and how far they agree on the most and the least
exposed tenth of those occupations, each with a 95% bootstrap interval."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import sqlite_utils
from numpy.typing import NDArray

from .ranks import BOOTSTRAP, agreement

TENTH = 0.1


def tenth_overlap(a: NDArray[Any], b: NDArray[Any], seed: int) -> tuple[float | None, ...]:
    """(top, low, high, bottom, low, high): the share of the most exposed
    tenth of occupations by one source that is also in the other's most
    exposed tenth, and the same for the least exposed tenth, each with a 95%
    bootstrap interval (percentile method; the same resamples, drawn with the
    same seed, as Spearman's interval in ranks.agreement).

    A tenth is k = n/10 occupations (rounded, at least one): those with the
    highest (or lowest) values. Where occupations tie at its edge, they share
    its places left equally (``tenths``), so each source's tenth holds exactly
    k occupations and the share is the expected overlap over k had the tie
    been broken at random, independently for each source. Counting every tied
    occupation whole would make a tenth of a measure with many zeros a third
    of all occupations, and its overlap with anything large. (In a resample,
    an occupation drawn twice ties with itself and shares its place like any
    other tie.)"""
    n = len(a)
    k = max(1, round(n * TENTH))
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, (BOOTSTRAP, n))
    codes = [np.unique(x, return_inverse=True)[1].reshape(-1) for x in (a, b)]
    if any(c.max(initial=0) == 0 for c in codes):
        return (None,) * 6  # a side whose values are all equal has no most or least exposed tenth
    # Each source's (top, bottom) places, as they are and in every resample, worked out once.
    here = [tenths(c, k) for c in codes]
    resampled = [tenths(c[i], k) for c in codes]
    # A resample where a side is all one value says nothing about its tenths.
    told = (codes[0][i].min(-1) < codes[0][i].max(-1)) & (codes[1][i].min(-1) < codes[1][i].max(-1))
    out: list[float] = []
    for side in (0, 1):  # top, then bottom
        share = (here[0][side] * here[1][side]).sum(-1) / k
        sample = (resampled[0][side] * resampled[1][side]).sum(-1)[told] / k
        low, high = np.percentile(sample, [2.5, 97.5])
        out += [float(share), float(low), float(high)]
    return tuple(out)


def tenths(codes: NDArray[np.integer], k: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(share of a place in the top tenth, in the bottom tenth) along the last
    axis, for values given as dense codes 0, 1, ...: 1 for a value that fewer
    than k - (its ties) others exceed, 0 for one that k or more exceed, and
    for a group of t tied values at the edge, with m places left above it,
    m / t each. Each row's shares add up to exactly k."""
    rows = codes.reshape(-1, codes.shape[-1])
    width = int(codes.max()) + 1
    flat = (np.arange(len(rows))[:, None] * width + rows).reshape(-1)
    counts = np.bincount(flat, minlength=len(rows) * width).reshape(len(rows), width)
    upto = np.cumsum(counts, -1)
    tied = np.take_along_axis(counts, rows, -1)
    below = np.take_along_axis(upto - counts, rows, -1)
    above = rows.shape[-1] - np.take_along_axis(upto, rows, -1)
    top = np.clip((k - above) / tied, 0, 1)
    bottom = np.clip((k - below) / tied, 0, 1)
    return top.reshape(codes.shape), bottom.reshape(codes.shape)


class SameName(ValueError):
    """A measure is named like a criterion: their rows could not be told apart."""


def agreement_items(db: sqlite_utils.Database) -> list[tuple[str, str, dict[str, float]]]:
    """[(name, kind, {slug: value})]: every criterion's current scores, then
    every measure, in the order of the measures table."""
    items = []
    if db["criteria"].exists() and db["current_scores"].exists():
        for (name,) in db.execute("select name from criteria where current_run is not null order by name").fetchall():
            scores = dict(db.execute("select slug, score from current_scores where criterion = ?", [name]).fetchall())
            items.append((name, "criterion", scores))
    if db["measures"].exists():
        for (name,) in db.execute("select name from measures order by rowid").fetchall():
            values = dict(db.execute("select slug, value from measure_values where measure = ?", [name]).fetchall())
            items.append((name, "measure", values))
    return items


def agreement_rows(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    jobs = {s: j for s, j in db.execute("select slug, jobs from occupations") if j}
    items = agreement_items(db)
    names = [n for n, _, _ in items]
    if len(names) != len(set(names)):
        raise SameName("a measure has the same name as a criterion: rename one in measures.toml")
    rows = []
    for i, (a, a_kind, av) in enumerate(items):
        for b, b_kind, bv in items[i + 1 :]:
            common = sorted(s for s in set(av) & set(bv) if s in jobs)
            if len(common) < 3:
                continue
            seed = int(hashlib.sha256(f"{a}\0{b}".encode()).hexdigest()[:8], 16)
            x, y = np.array([float(av[s]) for s in common]), np.array([float(bv[s]) for s in common])
            stats = agreement(x, y, np.array([float(jobs[s]) for s in common]), seed)
            rows.append((a, b, a_kind, b_kind, len(common), *stats, *tenth_overlap(x, y, seed)))
    return rows
