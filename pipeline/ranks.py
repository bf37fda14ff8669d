"""Percentiles: how the site and the comparison put scales side by side."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

# The keys come back as they went in (slugs, mostly), so callers can sort them.
K = TypeVar("K", bound=Hashable)

# Significant digits two values must share to tie. No source here gives more
# than six decimals; a weighted mean of several SOC codes can differ from an
# equal one only in its last bits (0.5 against 0.5 + 5.6e-17), and such
# values must share their rank rather than be split by noise.
PRECISION = 10


def tie_key(value: float) -> float:
    """``value`` as far as it can be told from another: to PRECISION
    significant digits."""
    return float(f"{value:.{PRECISION}g}")


def percentiles(values: Mapping[K, float]) -> dict[K, float]:
    """{key: percentile 0-100} among the keys given, values equal to
    PRECISION significant digits sharing their mean rank. Not rounded: a
    page rounds once, for display."""
    ordered = sorted(((key, tie_key(v)) for key, v in values.items()), key=lambda kv: kv[1])
    out: dict[K, float] = {}
    n, i = len(ordered), 0
    while i < n:
        j = i
        while j + 1 < n and ordered[j + 1][1] == ordered[i][1]:
            j += 1
        rank = (i + j) / 2
        for k in range(i, j + 1):
            out[ordered[k][0]] = 100 * rank / (n - 1) if n > 1 else 50.0
        i = j + 1
    return out
