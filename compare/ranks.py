"""The statistics of agreement: rank correlation (plain and job-weighted,
with bootstrap intervals) and Cohen's kappa with quadratic weights."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

BOOTSTRAP = 1000


def weighted_ranks(x: NDArray[Any], w: NDArray[np.floating]) -> NDArray[np.float64]:
    """Ranks along the last axis as the midpoint of each value's share of the
    total weight, ties sharing theirs: with weights of 1 these are the usual
    average ranks (less a half), and with job counts a job-weighted rank
    correlation counts every job, not every occupation."""
    order = np.argsort(x, axis=-1, kind="stable")
    xs, ws = np.take_along_axis(x, order, -1), np.take_along_axis(w, order, -1)
    cum = np.cumsum(ws, axis=-1)
    same_as_next = xs[..., 1:] == xs[..., :-1]
    starts = np.concatenate([np.ones(xs.shape[:-1] + (1,), bool), ~same_as_next], -1)
    ends = np.concatenate([~same_as_next, np.ones(xs.shape[:-1] + (1,), bool)], -1)
    # Weight below each tie group, and up to its end: cumulative weights only
    # grow, so a running max from the left and a running min from the right find them.
    below = np.maximum.accumulate(np.where(starts, cum - ws, -np.inf), axis=-1)
    upto = np.flip(np.minimum.accumulate(np.flip(np.where(ends, cum, np.inf), -1), axis=-1), -1)
    ranks = np.empty_like(cum)
    np.put_along_axis(ranks, order, (below + upto) / 2, -1)
    return ranks


def spearman(a: NDArray[Any], b: NDArray[Any], w: ArrayLike | None = None) -> float | NDArray[np.float64]:
    """Spearman's rank correlation along the last axis (weighted by ``w``):
    the weighted Pearson correlation of the weighted ranks. NaN where a side
    is constant."""
    w = np.ones_like(a, dtype=float) if w is None else np.asarray(w, dtype=float)
    ra, rb = weighted_ranks(a, w), weighted_ranks(b, w)
    total = w.sum(-1, keepdims=True)
    da = ra - (ra * w).sum(-1, keepdims=True) / total
    db = rb - (rb * w).sum(-1, keepdims=True) / total
    cov = (w * da * db).sum(-1)
    var = (w * da * da).sum(-1) * (w * db * db).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(var > 0, cov / np.sqrt(np.where(var > 0, var, 1)), np.nan)
    return float(rho) if rho.ndim == 0 else rho


def agreement(a: NDArray[Any], b: NDArray[Any], w: NDArray[np.floating] | None, seed: int) -> tuple[float | None, ...]:
    """(rho, low, high, weighted rho, low, high): Spearman's rank correlation,
    plain and job-weighted, each with a 95% bootstrap interval over
    occupations (percentile method, resampling with a fixed seed). With no
    weights ``w``, only the plain three: a second pass with every weight 1
    would give them again at twice the cost."""
    # Only the order matters: as small integers the resamples sort by radix, many times faster.
    a, b = (
        np.unique(x, return_inverse=True)[1].astype(np.int16 if len(x) <= np.iinfo(np.int16).max else np.int64) for x in (a, b)
    )
    rng = np.random.default_rng(seed)
    i = rng.integers(0, len(a), (BOOTSTRAP, len(a)))
    out: list[float] = []
    for weights in (np.ones(len(a)),) if w is None else (np.ones(len(a)), w):
        # spearman gives a float for one sample and an array for a stack of resamples.
        rho = float(spearman(a, b, weights))
        sample = np.asarray(spearman(a[i], b[i], weights[i]))
        sample = sample[~np.isnan(sample)]
        low, high = np.percentile(sample, [2.5, 97.5]) if len(sample) else (float("nan"),) * 2
        out += [rho, float(low), float(high)]
    return tuple(None if math.isnan(v) else v for v in out)


def quadratic_kappa(a: ArrayLike, b: ArrayLike, low: int, high: int) -> float | None:
    """Cohen's kappa with quadratic weights for two raters' integer scores on
    the scale low..high: 1 is perfect agreement, 0 what chance gives (and
    what a rater who gives one score to everything gets). None when both
    give the same one score, when nothing can be told, and when a score is
    off the scale (a run made on a wider one, or a tampered row): no kappa
    can be read on a scale the scores do not keep to."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    k = high - low + 1
    if k < 2 or not len(x) or not all(np.isfinite(v).all() and (v >= low).all() and (v <= high).all() for v in (x, y)):
        return None
    a, b = x.astype(int) - low, y.astype(int) - low
    observed = np.zeros((k, k))
    np.add.at(observed, (a, b), 1)
    expected = np.outer(observed.sum(1), observed.sum(0)) / len(a)
    i, j = np.indices((k, k))
    weights = (i - j) ** 2 / (k - 1) ** 2
    denominator = (weights * expected).sum()
    if denominator == 0:
        return None
    return float(1 - (weights * observed).sum() / denominator)
