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

    A tenth is the k = n/10 occupations (rounded, at least one) with the
    highest (or lowest) values, and every occupation tied with one of them:
    fewer than k others lie above it (or below it). The share is the overlap
    over the smaller of the two tenths: 1 when one holds the other."""
    n = len(a)
    k = max(1, round(n * TENTH))
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, (BOOTSTRAP, n))
    codes = [np.unique(x, return_inverse=True)[1].reshape(-1) for x in (a, b)]
    if any(c.max(initial=0) == 0 for c in codes):
        return (None,) * 6  # a side whose values are all equal has no most or least exposed tenth
    counts = [(tenths(c, k), tenths(c[i], k)) for c in codes]
    out: list[float] = []
    for side in (0, 1):  # top, then bottom
        shares = []
        for stacked in (0, 1):  # the occupations as they are, then the resamples
            ina, inb = counts[0][stacked][side], counts[1][stacked][side]
            smaller = np.minimum(ina.sum(-1), inb.sum(-1))
            shares.append((ina & inb).sum(-1) / smaller)
        sample = shares[1][(ina.sum(-1) < n) & (inb.sum(-1) < n)]  # resamples where a side is all one value say nothing
        low, high = np.percentile(sample, [2.5, 97.5])
        out += [float(shares[0]), float(low), float(high)]
    return tuple(round(v, 3) for v in out)


def tenths(codes: NDArray[np.integer], k: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """(in the top tenth, in the bottom tenth) along the last axis, for
    values given as dense codes 0, 1, ...: a value is in the top tenth when
    fewer than k values exceed it, in the bottom one when fewer than k are
    below it."""
    rows = codes.reshape(-1, codes.shape[-1])
    width = int(codes.max()) + 1
    flat = (np.arange(len(rows))[:, None] * width + rows).reshape(-1)
    counts = np.bincount(flat, minlength=len(rows) * width).reshape(len(rows), width)
    upto = np.cumsum(counts, -1)
    below = np.take_along_axis(upto - counts, rows, -1)
    above = rows.shape[-1] - np.take_along_axis(upto, rows, -1)
    return (above < k).reshape(codes.shape), (below < k).reshape(codes.shape)


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
